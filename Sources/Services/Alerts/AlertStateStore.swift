import SMSCore
import Synchronization

/// One period an alert fired: from firing to resolved (open while `endedMs` is nil). What history shows.
public struct AlertPeriod: Sendable, Equatable {
    public var key: AlertKey
    /// The highest severity reached.
    public var severity: AlertSeverity
    public var sinceMs: Int64
    public var endedMs: Int64?
    public var value: Double?
    public var threshold: Double?
    public var summary: String

    public init(
        key: AlertKey, severity: AlertSeverity, sinceMs: Int64, endedMs: Int64? = nil, value: Double?,
        threshold: Double?, summary: String
    ) {
        self.key = key
        self.severity = severity
        self.sinceMs = sinceMs
        self.endedMs = endedMs
        self.value = value
        self.threshold = threshold
        self.summary = summary
    }
}

/// One line of the alert event log: a transition, its time, and the value that caused it.
public struct AlertEventRecord: Sendable, Equatable {
    public var atMs: Int64
    public var kind: AlertTransition.Kind
    public var key: AlertKey
    public var severity: AlertSeverity
    public var value: Double?
    public var threshold: Double?
    public var reason: String?

    public init(_ transition: AlertTransition) {
        atMs = transition.atMs
        kind = transition.kind
        key = transition.key
        severity = transition.instance.severity
        value = transition.instance.value
        threshold = transition.instance.threshold
        reason = transition.reason
    }

    public init(
        atMs: Int64, kind: AlertTransition.Kind, key: AlertKey, severity: AlertSeverity, value: Double?,
        threshold: Double?, reason: String?
    ) {
        self.atMs = atMs
        self.kind = kind
        self.key = key
        self.severity = severity
        self.value = value
        self.threshold = threshold
        self.reason = reason
    }
}

/// What one evaluation changed, written in one transaction.
public struct AlertStoreChanges: Sendable {
    public var upserts: [AlertInstance] = []
    public var deletes: [AlertKey] = []
    public var events: [AlertEventRecord] = []
    public var periods: [AlertPeriod] = []
    /// When machines were last seen (for "last seen" in messages after a restart).
    public var lastSeenMs: [String: Int64] = [:]

    public init() {}

    public var isEmpty: Bool {
        upserts.isEmpty && deletes.isEmpty && events.isEmpty && periods.isEmpty && lastSeenMs.isEmpty
    }
}

/// What a restarted service resumes from.
public struct AlertStoreSnapshot: Sendable, Equatable {
    public var instances: [AlertInstance]
    public var lastSeenMs: [String: Int64]
    public init(instances: [AlertInstance] = [], lastSeenMs: [String: Int64] = [:]) {
        self.instances = instances
        self.lastSeenMs = lastSeenMs
    }
}

/// Where alert state survives restarts: pending and firing instances, firing periods, the event log.
public protocol AlertStateStore: Sendable {
    func load() async throws -> AlertStoreSnapshot
    func save(_ changes: AlertStoreChanges) async throws
    /// Firing periods, newest first.
    func periods(limit: Int) async throws -> [AlertPeriod]
    /// The event log, newest first.
    func events(limit: Int) async throws -> [AlertEventRecord]
    func close() async throws
}

/// The in-memory twin of `SQLiteAlertStateStore`, for logic tests.
public final class MemoryAlertStateStore: AlertStateStore {
    private struct State {
        var instances: [AlertKey: AlertInstance] = [:]
        var periods: [String: AlertPeriod] = [:]
        var events: [AlertEventRecord] = []
        var lastSeen: [String: Int64] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    public func load() -> AlertStoreSnapshot {
        state.withLock { AlertStoreSnapshot(instances: Array($0.instances.values), lastSeenMs: $0.lastSeen) }
    }

    public func save(_ changes: AlertStoreChanges) {
        state.withLock { s in
            for key in changes.deletes { s.instances[key] = nil }
            for instance in changes.upserts { s.instances[instance.key] = instance }
            for period in changes.periods { s.periods["\(period.key) \(period.sinceMs)"] = period }
            s.events += changes.events
            s.lastSeen.merge(changes.lastSeenMs) { _, new in new }
        }
    }

    public func periods(limit: Int) -> [AlertPeriod] {
        state.withLock { Array($0.periods.values.sorted { ($0.sinceMs, $0.key) > ($1.sinceMs, $1.key) }.prefix(limit)) }
    }

    public func events(limit: Int) -> [AlertEventRecord] {
        state.withLock { Array($0.events.reversed().prefix(limit)) }
    }

    public func close() {}
}
