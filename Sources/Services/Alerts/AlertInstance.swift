import SMSCore
import Spec

/// How bad an alert is; critical outranks warning.
public enum AlertSeverity: String, Sendable, Codable, Comparable, CaseIterable {
    case warning, critical

    public static func < (a: AlertSeverity, b: AlertSeverity) -> Bool { a == .warning && b == .critical }
}

/// Where an alert instance stands; an instance that is neither pending nor firing does not exist (inactive).
public enum AlertPhase: String, Sendable, Codable {
    case pending, firing
}

/// What identifies one alert: one rule on one machine for one series (each mount, each interface).
public struct AlertKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var rule: String
    public var machine: String
    /// The series' canonical text (`disk.used_percent{mount="/"}`); empty for absence rules.
    public var series: String

    public init(rule: String, machine: String, series: String = "") {
        self.rule = rule
        self.machine = machine
        self.series = series
    }

    public var description: String { series.isEmpty ? "\(rule)@\(machine)" : "\(rule)@\(machine):\(series)" }

    public static func < (a: AlertKey, b: AlertKey) -> Bool {
        (a.rule, a.machine, a.series) < (b.rule, b.machine, b.series)
    }
}

/// One pending or firing alert: its state, since when, the value that put it there, and what receivers know.
public struct AlertInstance: Sendable, Equatable, Codable {
    public var key: AlertKey
    /// The metric and labels of the series; nil metric and empty labels for absence rules.
    public var metric: String?
    public var labels: [String: String]
    public var phase: AlertPhase
    public var severity: AlertSeverity
    /// When the condition started to hold: the start of the `for` timer (persisted, so it survives restarts).
    public var pendingSinceMs: Int64
    /// When it fired; nil while pending.
    public var firingSinceMs: Int64?
    /// The latest value seen, and the threshold it is measured against (for absence rules: seconds absent).
    public var value: Double?
    public var threshold: Double?
    /// When `value` was last updated.
    public var updatedMs: Int64
    /// Set while a firing alert is back past `clear` but `keep_firing_for` still holds it.
    public var clearedSinceMs: Int64?
    /// The highest severity receivers were told about in this firing period; nil when nothing was sent.
    public var notifiedSeverity: AlertSeverity?
    public var lastNotifiedMs: Int64?
    /// The highest severity reached in this firing period (what history shows).
    public var peakSeverity: AlertSeverity
    /// Absence rules: when the machine (or metric) was last seen, if known.
    public var lastSeenMs: Int64?

    public init(
        key: AlertKey, metric: String? = nil, labels: [String: String] = [:], phase: AlertPhase,
        severity: AlertSeverity, pendingSinceMs: Int64, firingSinceMs: Int64? = nil, value: Double? = nil,
        threshold: Double? = nil, updatedMs: Int64, clearedSinceMs: Int64? = nil,
        notifiedSeverity: AlertSeverity? = nil, lastNotifiedMs: Int64? = nil, lastSeenMs: Int64? = nil
    ) {
        self.key = key
        self.metric = metric
        self.labels = labels
        self.phase = phase
        self.severity = severity
        self.pendingSinceMs = pendingSinceMs
        self.firingSinceMs = firingSinceMs
        self.value = value
        self.threshold = threshold
        self.updatedMs = updatedMs
        self.clearedSinceMs = clearedSinceMs
        self.notifiedSeverity = notifiedSeverity
        self.lastNotifiedMs = lastNotifiedMs
        self.peakSeverity = severity
        self.lastSeenMs = lastSeenMs
    }

    /// `since` as users read it: when it fired, or when it started pending.
    public var sinceMs: Int64 { firingSinceMs ?? pendingSinceMs }
}

/// One change of an alert's state, with its time and the value that caused it: the alert event log.
public struct AlertTransition: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// inactive → pending (the `for` timer started).
        case pending
        /// pending (or inactive, with `for: 0`) → firing.
        case firing
        /// firing warning → firing critical.
        case escalated
        /// firing critical → firing warning.
        case deescalated
        /// firing → inactive.
        case resolved
        /// pending → inactive: the condition stopped holding before `for` elapsed.
        case cancelled
    }

    public var kind: Kind
    public var atMs: Int64
    /// The instance right after the change (for `resolved` and `cancelled`: as it was when it ended).
    public var instance: AlertInstance
    /// Why, when the value alone does not say (`rule removed`, `data again`).
    public var reason: String?

    public init(kind: Kind, atMs: Int64, instance: AlertInstance, reason: String? = nil) {
        self.kind = kind
        self.atMs = atMs
        self.instance = instance
        self.reason = reason
    }

    public var key: AlertKey { instance.key }
}
