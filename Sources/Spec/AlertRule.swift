/// One alert rule: a threshold on a catalog metric, or an absence rule (`absent_for`, e.g. `machine_down`).
public struct AlertRule: Sendable, Equatable, Codable {
    public enum Direction: String, Sendable, Equatable, Codable { case above, below }

    public var name: String
    public var enabled: Bool
    /// Catalog metric name (`cpu.usage_percent`); nil for absence rules.
    public var metric: String?
    /// Series label filter, e.g. `{mount: "/"}`; empty matches every series of the metric.
    public var labels: [String: String]
    public var direction: Direction
    public var warning: Double?
    public var critical: Double?
    /// Hysteresis: a firing alert resolves only once the value is past `clear` (defaults to the warning level).
    public var clear: Double?
    /// How long the condition must hold before firing.
    public var forDuration: SpecDuration
    public var keepFiringFor: SpecDuration?
    /// Set for absence rules: fires when no sample arrived for this long.
    public var absentFor: SpecDuration?
    public var machines: MachineSelector
    /// Channel names to notify; empty means every channel.
    public var notify: [String]
    /// Re-notify an alert that stays firing this often; nil means never.
    public var repeatInterval: SpecDuration?
    /// True for the rule sms adds by itself (`machine_down`).
    public var isBuiltin: Bool

    public init(
        name: String, enabled: Bool = true, metric: String? = nil, labels: [String: String] = [:],
        direction: Direction = .above, warning: Double? = nil, critical: Double? = nil, clear: Double? = nil,
        forDuration: SpecDuration = .zero, keepFiringFor: SpecDuration? = nil, absentFor: SpecDuration? = nil,
        machines: MachineSelector = MachineSelector(), notify: [String] = [], repeatInterval: SpecDuration? = nil,
        isBuiltin: Bool = false
    ) {
        self.name = name
        self.enabled = enabled
        self.metric = metric
        self.labels = labels
        self.direction = direction
        self.warning = warning
        self.critical = critical
        self.clear = clear
        self.forDuration = forDuration
        self.keepFiringFor = keepFiringFor
        self.absentFor = absentFor
        self.machines = machines
        self.notify = notify
        self.repeatInterval = repeatInterval
        self.isBuiltin = isBuiltin
    }

    public var isAbsence: Bool { absentFor != nil }

    /// The built-in rule, present unless the spec disables it (`- name: machine_down` with `enabled: false`).
    public static let machineDownName = "machine_down"
    public static func machineDown(absentFor: SpecDuration = .seconds(30)) -> AlertRule {
        AlertRule(name: machineDownName, direction: .above, absentFor: absentFor, isBuiltin: true)
    }
}

/// Which machines a rule, window or edge covers: by ids (a YAML list) or by labels (a YAML map). Empty: all.
public struct MachineSelector: Sendable, Equatable, Codable {
    public var ids: [String]
    public var labels: [String: String]
    public init(ids: [String] = [], labels: [String: String] = [:]) {
        self.ids = ids
        self.labels = labels
    }

    public var isEmpty: Bool { ids.isEmpty && labels.isEmpty }

    public func matches(_ machine: Machine) -> Bool {
        if !ids.isEmpty && !ids.contains(machine.id) { return false }
        return labels.allSatisfy { machine.labels[$0.key] == $0.value }
    }
}

/// A recurring time when notifications for some machines are muted (the alert state is still shown).
public struct MaintenanceWindow: Sendable, Equatable, Codable {
    public enum Weekday: String, Sendable, Equatable, Codable, CaseIterable { case mon, tue, wed, thu, fri, sat, sun }
    public var name: String
    public var machines: MachineSelector
    /// Empty means every day.
    public var days: [Weekday]
    /// Minutes after local midnight.
    public var startMinute: Int
    public var endMinute: Int
    public init(name: String, machines: MachineSelector = MachineSelector(), days: [Weekday] = [], startMinute: Int, endMinute: Int) {
        self.name = name
        self.machines = machines
        self.days = days
        self.startMinute = startMinute
        self.endMinute = endMinute
    }
}

/// A cloud relay that receives a redacted, read-only view.
public struct Edge: Sendable, Equatable, Codable {
    public var name: String
    /// `ws://` or `wss://`.
    public var url: String
    public var token: Secret
    /// Machine ids the public may see.
    public var machines: [String]
    /// Catalog metric names or group names (`cpu`) the public may see.
    public var metrics: [String]
    /// A CA certificate (PEM, absolute path) to verify a `wss://` edge with, for an edge whose certificate is not
    /// from a public CA; nil trusts the system's roots.
    public var ca: String?
    public init(name: String, url: String, token: Secret, machines: [String], metrics: [String] = Edge.defaultMetrics,
                ca: String? = nil) {
        self.ca = ca
        self.name = name
        self.url = url
        self.token = token
        self.machines = machines
        self.metrics = metrics
    }
    public static let defaultMetrics = ["cpu", "memory", "load", "system"]
}
