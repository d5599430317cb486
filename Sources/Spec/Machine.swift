/// One monitored machine and how its collector runs.
public struct Machine: Sendable, Equatable, Codable {
    public var id: String
    /// `localhost` (or a local address) means `smsctl apply` starts its collector; otherwise it renders a command.
    public var host: String
    public var labels: [String: String]
    /// Effective values: the machine's own, else `defaults`.
    public var interval: SpecDuration
    public var buffer: SpecDuration
    public var metrics: [MetricGroup]
    /// Where the collector's bearer token comes from; `.generated` means the state directory (created on apply).
    public var token: Secret
    /// Per-machine threshold overrides, by alert name.
    public var alertOverrides: [String: ThresholdOverride]
    /// How apply reaches the machine; nil for a local machine or one whose collector is installed by hand.
    public var ssh: SSHAccess?
    /// How a managed machine runs its collector (`runtime: docker` and `image:`); nil is native.
    public var runtime: CollectorRuntime?
    /// A folder on the machine whose `*.prom` files (node_exporter's textfile format) the collector reads each
    /// interval, as `custom.NAME` series; nil reads none.
    public var textfileDir: String?
    /// Which containers and services the `containers` group reads; nil: the defaults (every container, no service).
    public var containers: ContainerSelection?

    public init(
        id: String, host: String, labels: [String: String] = [:], interval: SpecDuration = .seconds(1),
        buffer: SpecDuration = .hours(1), metrics: [MetricGroup] = MetricGroup.allCases, token: Secret = .generated,
        alertOverrides: [String: ThresholdOverride] = [:], ssh: SSHAccess? = nil
    ) {
        self.ssh = ssh
        self.id = id
        self.host = host
        self.labels = labels
        self.interval = interval
        self.buffer = buffer
        self.metrics = metrics
        self.token = token
        self.alertOverrides = alertOverrides
    }

    /// True when the collector runs on the machine that runs `smsctl apply`.
    public var isLocal: Bool {
        ["localhost", "127.0.0.1", "::1", "local"].contains(host.lowercased())
    }
}

/// A machine's own values for one alert rule's thresholds.
public struct ThresholdOverride: Sendable, Equatable, Codable {
    public var warning: Double?
    public var critical: Double?
    public var clear: Double?
    public var enabled: Bool?
    public init(warning: Double? = nil, critical: Double? = nil, clear: Double? = nil, enabled: Bool? = nil) {
        self.warning = warning
        self.critical = critical
        self.clear = clear
        self.enabled = enabled
    }
}

/// A secret and where it came from. Its value never appears in descriptions, JSON, logs or plans.
public struct Secret: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Source: Sendable, Equatable, Codable {
        /// `token: ${NAME}`: read from the environment.
        case env(String)
        /// `token_file: PATH`: read from a file (relative paths are relative to the spec).
        case file(String)
        /// Written literally in the spec (discouraged; validation warns).
        case literal
        /// Not named in the spec: generated on first apply into the state directory.
        case generated
    }

    public var source: Source
    /// The resolved value; nil until known (a generated token before apply, a file not yet read).
    public var value: String?

    public init(source: Source, value: String? = nil) {
        self.source = source
        self.value = value
    }

    public static let generated = Secret(source: .generated)

    public var description: String {
        switch source {
        case .env(let name): "${\(name)}"
        case .file(let path): "file \(path)"
        case .literal: "<redacted>"
        case .generated: "generated"
        }
    }

    // Only the source is encoded: a secret's value never reaches JSON output, plans or hashes.
    enum CodingKeys: String, CodingKey { case source }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(Source.self, forKey: .source)
        value = nil
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source)
    }
    public static func == (a: Secret, b: Secret) -> Bool { a.source == b.source && a.value == b.value }
}
