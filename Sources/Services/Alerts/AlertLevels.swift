import SMSCore
import Spec

/// A threshold rule's levels for one machine: the rule's own, with the machine's `alert_overrides` applied.
public struct AlertLevels: Sendable, Equatable {
    public var direction: AlertRule.Direction
    public var warning: Double?
    public var critical: Double?
    /// A firing alert resolves only once the value is past this (hysteresis); defaults to the lowest level.
    public var clear: Double

    public init(direction: AlertRule.Direction = .above, warning: Double?, critical: Double?, clear: Double? = nil) {
        self.direction = direction
        self.warning = warning
        self.critical = critical
        self.clear = clear ?? warning ?? critical ?? 0
    }

    /// The levels in force for `machine`, or nil when the rule has no level or the machine disabled it.
    public static func resolve(_ rule: AlertRule, for machine: Machine) -> AlertLevels? {
        let override = machine.alertOverrides[rule.name]
        if override?.enabled == false { return nil }
        let warning = override?.warning ?? rule.warning
        let critical = override?.critical ?? rule.critical
        guard warning != nil || critical != nil else { return nil }
        // An overridden warning without its own clear moves the default clear with it.
        let clear = override?.clear ?? (override?.warning != nil ? nil : rule.clear)
        return AlertLevels(direction: rule.direction, warning: warning, critical: critical, clear: clear)
    }

    /// True when `value` is at or past `level` in the rule's direction.
    public func isPast(_ value: Double, _ level: Double) -> Bool {
        direction == .above ? value >= level : value <= level
    }

    /// The worst level `value` reaches, with the threshold it crossed; nil when it reaches none.
    public func breach(_ value: Double) -> (severity: AlertSeverity, threshold: Double)? {
        if let critical, isPast(value, critical) { return (.critical, critical) }
        if let warning, isPast(value, warning) { return (.warning, warning) }
        return nil
    }

    /// True once `value` is back past `clear`: strictly below it for `above`, strictly above it for `below`.
    public func isCleared(_ value: Double) -> Bool {
        direction == .above ? value < clear : value > clear
    }

    /// The threshold shown for `severity`.
    public func threshold(for severity: AlertSeverity) -> Double? {
        severity == .critical ? (critical ?? warning) : (warning ?? critical)
    }

    /// `≥` or `≤`: how a breach reads in a summary.
    public var breachSymbol: String { direction == .above ? "≥" : "≤" }
    /// `<` or `>`: how a recovery reads in a summary.
    public var clearSymbol: String { direction == .above ? "<" : ">" }
}
