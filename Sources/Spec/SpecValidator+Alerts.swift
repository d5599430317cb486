/// Alert rules: metrics and labels against the catalog, threshold order by direction, absence rules,
/// references to machines and channels, and per-machine overrides.
extension SpecValidator {
    mutating func validateAlerts() {
        checkUnique("alerts", spec.alerts.map(\.name), key: "name", what: "alert name")
        for (index, rule) in spec.alerts.enumerated() {
            let path = itemPath("alerts", index)
            guard !path.isEmpty else { continue }  // the built-in machine_down, not written in the spec
            if rule.isAbsence {
                checkAbsenceRule(rule, path)
            } else {
                checkThresholdRule(rule, path)
            }
            checkSelector(rule.machines, "\(path).machines")
            checkChannels(rule.notify, "\(path).notify")
        }
    }

    private mutating func checkThresholdRule(_ rule: AlertRule, _ path: String) {
        guard let metric = rule.metric else {
            if !isWritten("\(path).metric") {
                error(path, "missing required key \"metric\" (or absent_for, for an absence rule)")
            }
            return
        }
        guard let info = MetricCatalog.info(metric) else {
            let hint = DidYouMean.hint(for: metric, among: MetricCatalog.names)
            error("\(path).metric", "unknown metric \"\(metric)\"\(hint)")
            return
        }
        for key in rule.labels.keys.sorted() where !info.anyLabels && !info.labels.contains(key) {
            let has = info.labels.isEmpty ? "has no labels" : "has: " + info.labels.joined(separator: ", ")
            error(
                "\(path).labels.\(key)",
                "unknown label \"\(key)\" (\(metric) \(has))\(DidYouMean.hint(for: key, among: info.labels))")
        }
        if rule.warning == nil && rule.critical == nil {
            // A threshold that was written but unreadable has been reported already.
            if !isWritten("\(path).warning") && !isWritten("\(path).critical") {
                error(path, "a threshold rule needs warning, critical or both")
            }
            return
        }
        for (field, message) in Self.thresholdProblems(rule.direction, rule.warning, rule.critical, rule.clear) {
            error("\(path).\(field)", message)
        }
        if info.unit == "percent" {
            for (field, value) in [("warning", rule.warning), ("critical", rule.critical), ("clear", rule.clear)] {
                if let value, !(0...100).contains(value) {
                    error("\(path).\(field)", "\(metric) is a percentage; expected 0–100, got \(Self.format(value))")
                }
            }
        }
    }

    private mutating func checkAbsenceRule(_ rule: AlertRule, _ path: String) {
        for key in ["metric", "labels", "direction", "warning", "critical", "clear"] where isWritten("\(path).\(key)") {
            error("\(path).\(key)", "an absence rule (absent_for) has no \(key); it fires when a machine stops sending")
        }
        guard let absentFor = rule.absentFor else { return }
        let covered = spec.machines.filter(rule.machines.matches)
        if let slowest = covered.max(by: { $0.interval < $1.interval }),
            absentFor.milliseconds < 2 * slowest.interval.milliseconds
        {
            let at = isWritten("\(path).absent_for") ? "\(path).absent_for" : path
            warning(
                at,
                "absent_for \(absentFor) is shorter than two sampling intervals of \(slowest.id) "
                    + "(\(slowest.interval)); it will fire between samples")
        }
    }

    /// Channel names must be declared under `notify:`.
    mutating func checkChannels(_ names: [String], _ path: String) {
        let known = spec.notify.map(\.name)
        for (index, name) in names.enumerated() where !known.contains(name) {
            let hint =
                known.isEmpty ? "; no channels are declared under notify" : DidYouMean.hint(for: name, among: known)
            error("\(path)[\(index)]", "unknown notify channel \"\(name)\"\(hint)")
        }
    }

    /// A machine's own thresholds for a rule: the rule must exist, and the merged thresholds must still be in order.
    mutating func checkOverride(_ alertName: String, _ override: ThresholdOverride, _ path: String) {
        guard let rule = spec.alerts.first(where: { $0.name == alertName }) else {
            let hint = DidYouMean.hint(for: alertName, among: spec.alerts.map(\.name))
            error(path, "unknown alert \"\(alertName)\"\(hint)")
            return
        }
        if rule.isAbsence {
            for (key, value) in [
                ("warning", override.warning), ("critical", override.critical), ("clear", override.clear),
            ]
            where value != nil {
                error("\(path).\(key)", "\(alertName) is an absence rule; a machine can only set enabled")
            }
            return
        }
        let warning = override.warning ?? rule.warning
        let critical = override.critical ?? rule.critical
        let clear = override.clear ?? rule.clear
        for (field, message) in Self.thresholdProblems(rule.direction, warning, critical, clear) {
            let at = isWritten("\(path).\(field)") ? "\(path).\(field)" : path
            error(at, message)
        }
    }

    /// Order problems, as (field, message): above means warning < critical and clear ≤ the lower level.
    static func thresholdProblems(
        _ direction: AlertRule.Direction, _ warning: Double?, _ critical: Double?, _ clear: Double?
    ) -> [(String, String)] {
        var problems: [(String, String)] = []
        let above = direction == .above
        if let warning, let critical, above ? warning >= critical : warning <= critical {
            let (relation, sign) = above ? ("below", "≥") : ("above", "≤")
            problems.append(
                ("warning", "must be \(relation) critical (\(format(warning)) \(sign) \(format(critical)))"))
        }
        if let clear, let level = warning ?? critical, above ? clear > level : clear < level {
            let levelName = warning != nil ? "warning" : "critical"
            let (side, sign) = above ? ("at or below", ">") : ("at or above", "<")
            problems.append(
                (
                    "clear",
                    "must be \(side) \(levelName) for a rule that fires \(direction.rawValue) it "
                        + "(\(format(clear)) \(sign) \(format(level)))"
                ))
        }
        return problems
    }

    /// `80` rather than `80.0`; other values as Swift prints them.
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
