import SMSCore
import Spec

/// The enabled rules of one spec, indexed for evaluation; rebuilt only when the spec's hash changes.
struct CompiledRules: Sendable {
    let hash: String
    /// Threshold rules by the metric they watch.
    let byMetric: [String: [AlertRule]]
    /// Absence rules (`absent_for`), e.g. `machine_down`.
    let absence: [AlertRule]
    /// Every enabled rule by name.
    let byName: [String: AlertRule]
    let machines: [String: Machine]

    init(_ version: SpecVersion) {
        hash = version.hash
        let enabled = version.spec.alerts.filter(\.enabled)
        var byMetric: [String: [AlertRule]] = [:]
        for rule in enabled where !rule.isAbsence {
            if let metric = rule.metric { byMetric[metric, default: []].append(rule) }
        }
        self.byMetric = byMetric
        absence = enabled.filter(\.isAbsence)
        byName = Dictionary(enabled.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        machines = Dictionary(version.spec.machines.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// True when an absence rule covers `machine`.
    func covers(_ rule: AlertRule, _ machine: Machine) -> Bool {
        rule.machines.matches(machine) && machine.alertOverrides[rule.name]?.enabled != false
    }

    /// Why `instance` no longer belongs to the rules in force, or nil when it still does.
    func invalidation(of instance: AlertInstance) -> String? {
        guard let rule = byName[instance.key.rule] else { return "rule removed or disabled" }
        guard let machine = machines[instance.key.machine] else { return "machine removed from the spec" }
        guard rule.machines.matches(machine) else { return "machine no longer selected by the rule" }
        if rule.isAbsence {
            guard instance.key.series.isEmpty else { return "rule changed" }
            return covers(rule, machine) ? nil : "rule disabled for the machine"
        }
        guard let metric = instance.metric, metric == rule.metric,
            SeriesKey(metric, instance.labels).matches(labels: rule.labels)
        else { return "rule changed" }
        return AlertLevels.resolve(rule, for: machine) == nil ? "rule disabled for the machine" : nil
    }
}
