/// The whole fleet, as declared in one YAML file (`version: 1`).
///
/// Every role and every `smsctl` command reads this model; `SpecLoader` builds it from YAML with
/// defaults applied, `${VAR}` resolved and every problem reported as a `Diagnostic`.
public struct Spec: Sendable, Equatable, Codable {
    public var version: Int
    public var name: String
    public var hub: Hub
    public var retention: Retention
    public var defaults: Defaults
    public var machines: [Machine]
    public var alerts: [AlertRule]
    public var notify: [NotifyChannel]
    public var edges: [Edge]
    public var maintenance: [MaintenanceWindow]

    public init(
        version: Int = 1, name: String, hub: Hub = Hub(), retention: Retention = Retention(),
        defaults: Defaults = Defaults(), machines: [Machine] = [], alerts: [AlertRule] = [],
        notify: [NotifyChannel] = [], edges: [Edge] = [], maintenance: [MaintenanceWindow] = []
    ) {
        self.version = version
        self.name = name
        self.hub = hub
        self.retention = retention
        self.defaults = defaults
        self.machines = machines
        self.alerts = alerts
        self.notify = notify
        self.edges = edges
        self.maintenance = maintenance
    }

    /// The machine with this id, if the spec declares it.
    public func machine(_ id: String) -> Machine? { machines.first { $0.id == id } }
}

/// Where the hub listens and where it keeps its state.
public struct Hub: Sendable, Equatable, Codable {
    /// Address collectors and edges use to reach the hub.
    public var host: String
    public var grpcPort: Int
    public var httpPort: Int
    public var state: StateBackend
    public var history: HistoryBackend
    /// Where embedded history and the collectors' buffers live; nil means the state directory beside the spec.
    public var dataDir: String?
    public var tls: TLSFiles?

    public init(
        host: String = "127.0.0.1", grpcPort: Int = 50051, httpPort: Int = 8080,
        state: StateBackend = .embedded, history: HistoryBackend = .embedded, dataDir: String? = nil,
        tls: TLSFiles? = nil
    ) {
        self.host = host
        self.grpcPort = grpcPort
        self.httpPort = httpPort
        self.state = state
        self.history = history
        self.dataDir = dataDir
        self.tls = tls
    }
}

/// Current state: in the hub's memory, or in Redis.
public enum StateBackend: Sendable, Equatable, Codable {
    case embedded
    case redis(url: String)
}

/// History: embedded SQLite, or PostgreSQL (TimescaleDB when the extension is present).
public enum HistoryBackend: Sendable, Equatable, Codable {
    case embedded
    case postgres(url: String)
}

/// PEM files for TLS on the gRPC port (and the edge).
public struct TLSFiles: Sendable, Equatable, Codable {
    public var cert: String
    public var key: String
    public var ca: String?
    public init(cert: String, key: String, ca: String? = nil) {
        self.cert = cert
        self.key = key
        self.ca = ca
    }
}

/// How long each history tier is kept.
public struct Retention: Sendable, Equatable, Codable {
    public var raw: SpecDuration
    public var oneMinute: SpecDuration
    public var oneHour: SpecDuration
    public init(raw: SpecDuration = .hours(48), oneMinute: SpecDuration = .days(30), oneHour: SpecDuration = .days(400)) {
        self.raw = raw
        self.oneMinute = oneMinute
        self.oneHour = oneHour
    }
}

/// What every machine gets unless it says otherwise.
public struct Defaults: Sendable, Equatable, Codable {
    public var interval: SpecDuration
    public var buffer: SpecDuration
    public var metrics: [MetricGroup]
    public init(interval: SpecDuration = .seconds(1), buffer: SpecDuration = .hours(1), metrics: [MetricGroup] = MetricGroup.allCases) {
        self.interval = interval
        self.buffer = buffer
        self.metrics = metrics
    }
}
