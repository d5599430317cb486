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
    /// Set while someone acknowledged this firing period.
    public var acknowledged: AcknowledgedDTO?

    public init(
        rule: String, machine: String, series: String? = nil, severity: Severity, state: State, sinceMs: Int64,
        endedMs: Int64? = nil, value: Double? = nil, threshold: Double? = nil, message: String? = nil,
        acknowledged: AcknowledgedDTO? = nil
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
        self.acknowledged = acknowledged
    }
}

/// How one notification channel is delivering: what waits, and how the last attempts went.
public struct NotificationChannelStatus: Sendable, Codable, Equatable {
    public var name: String
    /// Notifications not yet accepted by the receiver.
    public var queued: Int
    public var lastDeliveredMs: Int64?
    /// The last failure in one line (`cannot resolve hooks.example.com`), nil once a delivery succeeds after it.
    public var lastError: String?
    public var lastErrorMs: Int64?

    public init(name: String, queued: Int, lastDeliveredMs: Int64? = nil, lastError: String? = nil, lastErrorMs: Int64? = nil) {
        self.name = name
        self.queued = queued
        self.lastDeliveredMs = lastDeliveredMs
        self.lastError = lastError
        self.lastErrorMs = lastErrorMs
    }
}

/// What the alert evaluator exposes to the gateway: alerts active now, and past alert periods.
public protocol AlertStatusSource: Sendable {
    /// Alerts pending or firing now.
    func active() async -> [AlertStatusDTO]
    /// Recent alert periods, newest first (resolved ones carry `endedMs`).
    func history(limit: Int) async -> [AlertStatusDTO]
    /// Each notification channel's delivery state.
    func channels() async -> [NotificationChannelStatus]
}

extension AlertStatusSource {
    public func channels() async -> [NotificationChannelStatus] { [] }
}

extension AlertStatusDTO.Severity {
    /// Critical sorts before warning.
    var rank: Int { self == .critical ? 0 : 1 }
}
