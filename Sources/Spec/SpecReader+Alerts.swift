import Yams

/// `alerts:` entries, including the built-in `machine_down`, and the machine selectors they share.
extension SpecReader {
    static let alertKeys = [
        "name", "enabled", "metric", "labels", "direction", "warning", "critical", "clear", "for", "keep_firing_for",
        "absent_for", "machines", "notify", "repeat_interval",
    ]
    static let forBounds = SpecDuration.zero...SpecDuration.days(7)
    static let absentBounds = SpecDuration.seconds(1)...SpecDuration.days(7)
    static let repeatBounds = SpecDuration.minutes(1)...SpecDuration.days(30)

    /// The spec's rules, then `machine_down` unless the spec names it (its fields then override the built-in's).
    mutating func readAlerts(_ node: Node?) -> [AlertRule] {
        var rules: [AlertRule] = []
        if let node { rules = readList(node, "alerts") { $0.readAlert($1, $2) } }
        if !rules.contains(where: { $0.name == AlertRule.machineDownName }) {
            rules.append(.machineDown())
            itemPaths["alerts", default: []].append("")
        }
        return rules
    }

    mutating func readAlert(_ node: Node, _ path: String) -> AlertRule? {
        guard let fields = mapping(node, path, allowed: Self.alertKeys) else { return nil }
        let ruleName = fields.present("name").flatMap { name($0, "\(path).name") }
        if fields.present("name") == nil { error(node, path, "missing required key \"name\"") }
        var rule =
            ruleName == AlertRule.machineDownName ? AlertRule.machineDown() : AlertRule(name: ruleName ?? "")
        if let n = fields.present("enabled") { rule.enabled = bool(n, "\(path).enabled") ?? rule.enabled }
        if let n = fields.present("metric") { rule.metric = string(n, "\(path).metric") }
        if let n = fields.present("labels") { rule.labels = stringMap(n, "\(path).labels") ?? [:] }
        if let n = fields.present("direction"), let text = choice(n, "\(path).direction", ["above", "below"]) {
            rule.direction = AlertRule.Direction(rawValue: text) ?? .above
        }
        if let n = fields.present("warning") { rule.warning = double(n, "\(path).warning") }
        if let n = fields.present("critical") { rule.critical = double(n, "\(path).critical") }
        if let n = fields.present("clear") { rule.clear = double(n, "\(path).clear") }
        if let n = fields.present("for") {
            rule.forDuration = duration(n, "\(path).for", bounds: Self.forBounds) ?? .zero
        }
        if let n = fields.present("keep_firing_for") {
            rule.keepFiringFor = duration(n, "\(path).keep_firing_for", bounds: Self.forBounds)
        }
        if let n = fields.present("absent_for") {
            rule.absentFor = duration(n, "\(path).absent_for", bounds: Self.absentBounds) ?? rule.absentFor
        }
        if let n = fields.present("machines") { rule.machines = selector(n, "\(path).machines") ?? MachineSelector() }
        if let n = fields.present("notify") { rule.notify = stringList(n, "\(path).notify") ?? [] }
        if let n = fields.present("repeat_interval") {
            rule.repeatInterval = duration(n, "\(path).repeat_interval", bounds: Self.repeatBounds)
        }
        return ruleName == nil ? nil : rule
    }

    /// A YAML list of machine ids, or a mapping of labels every matching machine carries.
    mutating func selector(_ node: Node, _ path: String) -> MachineSelector? {
        switch node {
        case .sequence:
            return stringList(node, path).map { MachineSelector(ids: $0) }
        case .mapping:
            return stringMap(node, path).map { MachineSelector(labels: $0) }
        default:
            note(path, node)
            error(node, path, "expected a list of machine ids or a mapping of labels, got \(describe(node))")
            return nil
        }
    }
}
