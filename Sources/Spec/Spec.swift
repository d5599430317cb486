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
    public var machines: [Machine] { didSet { machineIndex = Self.index(machines) } }
    public var alerts: [AlertRule]
    public var notify: [NotifyChannel]
    public var edges: [Edge]
    public var maintenance: [MaintenanceWindow]
    /// Position of each machine id in `machines`, so per-batch lookups in a 5,000-machine fleet stay O(1).
    private var machineIndex: [String: Int] = [:]

    private enum CodingKeys: String, CodingKey {
        case version, name, hub, retention, defaults, machines, alerts, notify, edges, maintenance
    }

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
        machineIndex = Self.index(machines)
    }

    /// The machine with this id, if the spec declares it.
    public func machine(_ id: String) -> Machine? {
        if let i = machineIndex[id], i < machines.count, machines[i].id == id { return machines[i] }
        return machineIndex.isEmpty ? machines.first { $0.id == id } : nil
    }

    private static func index(_ machines: [Machine]) -> [String: Int] {
        var index: [String: Int] = [:]
        index.reserveCapacity(machines.count)
        for (i, machine) in machines.enumerated() where index[machine.id] == nil { index[machine.id] = i }
        return index
    }
}

/// Where the hub listens and where it keeps its state.
public struct Hub: Sendable, Equatable, Codable {
    /// Address collectors and edges use to reach the hub.
    public var host: String
    /// Address the hub listens on; nil means `Spec.hubBindAddress`'s default.
    public var bind: String?
    public var grpcPort: Int
    public var httpPort: Int
    public var state: StateBackend
    public var history: HistoryBackend
    /// Where embedded history and the collectors' buffers live; nil means the state directory beside the spec.
    public var dataDir: String?
    /// TLS on the gRPC port: a CA and certificate `smsctl apply` generates (the default), off, or the user's files.
    public var tls: HubTLS
    /// Names (besides its addresses, `localhost` and `hub.host`) the dashboard and API answer to; a request for any
    /// other name is refused, so a DNS-rebinding page cannot read the fleet through a visitor's browser.
    public var allowedHosts: [String] = []
    /// Who may use the dashboard and API: login (the default) or, explicitly, nobody checked.
    public var auth: HubAuth = .login(users: [])

    public init(
        host: String = "127.0.0.1", grpcPort: Int = 50051, httpPort: Int = 8080,
        state: StateBackend = .embedded, history: HistoryBackend = .embedded, dataDir: String? = nil,
        tls: HubTLS = .generated, bind: String? = nil
    ) {
        self.host = host
        self.bind = bind
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

/// How the hub's gRPC port is secured.
public enum HubTLS: Sendable, Equatable, Codable {
    /// A CA and a hub certificate that `smsctl apply` (or the hub's first start) generates in the state directory;
    /// collectors verify the hub against that CA.
    case generated
    /// Plaintext (`hub.tls: off`): tokens and figures travel in clear text.
    case off
    /// The user's own PEM files.
    case files(TLSFiles)

    /// The user's files, when the spec names them.
    public var files: TLSFiles? {
        if case .files(let files) = self { return files }
        return nil
    }
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
    public var ssh: SSHDefaults?
    /// nil is native.
    public var runtime: CollectorRuntime?
    public init(interval: SpecDuration = .seconds(1), buffer: SpecDuration = .hours(1), metrics: [MetricGroup] = MetricGroup.allCases,
                ssh: SSHDefaults? = nil) {
        self.interval = interval
        self.buffer = buffer
        self.metrics = metrics
        self.ssh = ssh
    }
}
