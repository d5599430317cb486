import SMSCore

/// One alert as the dashboard and `/api/alerts` show it: which rule, where, how bad, since when.
public struct AlertStatusDTO: Sendable, Codable, Equatable {
    public enum Severity: String, Sendable, Codable { case warning, critical }
    public enum State: String, Sendable, Codable { case pending, firing, resolved }

    public var rule: String
    public var machine: String
    /// The series that crossed the threshold (`disk.used_percent{mount="/"}`); nil for absence rules.
    public var series: String?
    public var severity: Severity
    public var state: State
    public var sinceMs: Int64
    /// When it resolved; nil while active.
    public var endedMs: Int64?
    public var value: Double?
    public var threshold: Double?
    public var message: String?

    public init(
        rule: String, machine: String, series: String? = nil, severity: Severity, state: State, sinceMs: Int64,
        endedMs: Int64? = nil, value: Double? = nil, threshold: Double? = nil, message: String? = nil
    ) {
        self.rule = rule
        self.machine = machine
        self.series = series
        self.severity = severity
        self.state = state
        self.sinceMs = sinceMs
        self.endedMs = endedMs
        self.value = value
        self.threshold = threshold
        self.message = message
    }
}

/// What the alert evaluator exposes to the gateway: alerts active now, and past alert periods.
public protocol AlertStatusSource: Sendable {
    /// Alerts pending or firing now.
    func active() async -> [AlertStatusDTO]
    /// Recent alert periods, newest first (resolved ones carry `endedMs`).
    func history(limit: Int) async -> [AlertStatusDTO]
}

extension AlertStatusDTO.Severity {
    /// Critical sorts before warning.
    var rank: Int { self == .critical ? 0 : 1 }
}
