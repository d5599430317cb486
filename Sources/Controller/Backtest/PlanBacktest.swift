import Foundation
import Services
import SMSCore
import Spec

/// `plan`'s backtest: for every added or changed threshold rule, what it would have done over the hub's stored
/// history of each machine it selects, and what the applied rule did, through the alerts service's evaluator.
public struct PlanBacktest: Sendable, Codable {
    /// One rule on one machine.
    public struct Line: Sendable, Codable {
        public var rule: String
        public var machine: String
        /// `warning 80 → 70`, or `new rule`.
        public var change: String
        /// The resolution the history answered in, and its tier (`raw`, `1m`, `1h`).
        public var stepMs: Int64
        public var tier: String?
        /// The first stored point in the window: later than `fromMs` when history is shorter than asked.
        public var historyFromMs: Int64?
        /// The applied rule's firings; nil for a new rule.
        public var old: BacktestFirings?
        public var new: BacktestFirings
    }

    /// The window asked for.
    public var fromMs: Int64
    public var toMs: Int64
    public var lines: [Line]
    /// Why nothing was backtested, when nothing was (`the hub does not answer`).
    public var note: String?

    /// Rules of `new` whose firing would change against `old` (added, or a field that decides firing, or a
    /// machine's override of it), threshold rules only: an absence rule has no stored values to replay.
    public static func changedRules(old: Spec?, new: Spec) -> [(old: AlertRule?, new: AlertRule)] {
        new.alerts.compactMap { rule in
            guard rule.enabled, !rule.isAbsence, rule.metric != nil else { return nil }
            let before = old?.alerts.first { $0.name == rule.name }
            if let before, before.enabled, firingFields(before) == firingFields(rule),
                overrides(old, rule.name) == overrides(new, rule.name)
            {
                return nil
            }
            return (before?.enabled == true && before?.isAbsence == false ? before : nil, rule)
        }
    }

    static func firingFields(_ r: AlertRule) -> String {
        "\(r.metric ?? "")|\(r.labels.sorted { $0.key < $1.key })|\(r.direction)|\(String(describing: r.warning))|"
            + "\(String(describing: r.critical))|\(String(describing: r.clear))|\(r.forDuration)|"
            + "\(String(describing: r.keepFiringFor))|\(r.machines.ids)|\(r.machines.labels.sorted { $0.key < $1.key })"
    }

    static func overrides(_ spec: Spec?, _ rule: String) -> [String: String] {
        var out: [String: String] = [:]
        for m in spec?.machines ?? [] { if let o = m.alertOverrides[rule] { out[m.id] = "\(o)" } }
        return out
    }

    /// Runs the backtest against the running hub's history; nil when no rule changed (no request is made).
    public static func run(old: Spec?, new: Spec, hub: HubClient, windowMs: Int64, nowMs: Int64) -> PlanBacktest? {
        let rules = changedRules(old: old, new: new)
        guard !rules.isEmpty, windowMs > 0 else { return nil }
        var out = PlanBacktest(fromMs: nowMs - windowMs, toMs: nowMs, lines: [])
        guard hub.health(timeout: 3) != nil else {
            out.note = "skipped: the hub at \(hub.dashboardURL) does not answer, so its history cannot be read"
            return out
        }
        let stepMs = max(1000, (windowMs / 20_000 + 999) / 1000 * 1000)
        for (before, rule) in rules {
            for machine in new.machines where rule.machines.matches(machine) {
                guard let answer = history(hub, machine: machine, rule: rule, fromMs: out.fromMs, toMs: nowMs, stepMs: stepMs)
                else {
                    out.note = "history of \(machine.id) could not be read from the hub; its lines are missing"
                    continue
                }
                let oldSpec = old ?? new
                let line = Line(
                    rule: rule.name, machine: machine.id, change: describe(before, rule),
                    stepMs: answer.stepMs, tier: answer.tier?.rawValue,
                    historyFromMs: answer.series.compactMap { $0.points.first?.t }.min(),
                    old: before.map {
                        AlertBacktest.replay(
                            rule: $0, spec: oldSpec, machine: machine.id, series: answer.series, stepMs: answer.stepMs,
                            endMs: nowMs)
                    },
                    new: AlertBacktest.replay(
                        rule: rule, spec: new, machine: machine.id, series: answer.series, stepMs: answer.stepMs,
                        endMs: nowMs))
                out.lines.append(line)
            }
        }
        return out
    }

    /// `/api/history` as the gateway answers it.
    struct HistoryAnswer: Decodable {
        var stepMs: Int64
        var tier: HistoryTier?
        var series: [HistorySeries]
    }

    static func history(
        _ hub: HubClient, machine: Machine, rule: AlertRule, fromMs: Int64, toMs: Int64, stepMs: Int64
    ) -> HistoryAnswer? {
        var query = URLComponents()
        query.queryItems = [
            URLQueryItem(name: "machine", value: machine.id), URLQueryItem(name: "metric", value: rule.metric),
            URLQueryItem(name: "from", value: "\(fromMs)"), URLQueryItem(name: "to", value: "\(toMs)"),
            URLQueryItem(name: "step", value: "\(stepMs / 1000)s"),
        ]
        if !rule.labels.isEmpty {
            let labels = rule.labels.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
            query.queryItems?.append(URLQueryItem(name: "labels", value: labels))
        }
        return HTTPProbe.json(
            HistoryAnswer.self, host: hub.host, port: hub.port, path: "/api/history?" + (query.percentEncodedQuery ?? ""),
            bearer: hub.bearer, timeout: 30, tls: hub.tls)
    }

    /// `warning 80 → 70, for 30s → 1m`, or `new rule`.
    static func describe(_ old: AlertRule?, _ new: AlertRule) -> String {
        guard let old else { return "new rule" }
        let fields: [(String, String, String)] = [
            ("warning", Format.number(old.warning), Format.number(new.warning)),
            ("critical", Format.number(old.critical), Format.number(new.critical)),
            ("clear", Format.number(old.clear), Format.number(new.clear)),
            ("for", "\(old.forDuration)", "\(new.forDuration)"),
            ("keep_firing_for", Format.duration(old.keepFiringFor), Format.duration(new.keepFiringFor)),
            ("metric", old.metric ?? "", new.metric ?? ""),
            ("labels", Format.map(old.labels), Format.map(new.labels)),
            ("direction", old.direction.rawValue, new.direction.rawValue),
            ("machines", Format.selector(old.machines), Format.selector(new.machines)),
        ]
        let changed = fields.filter { $0.1 != $0.2 }.map { "\($0.0) \($0.1) → \($0.2)" }
        return changed.isEmpty ? "a machine's override" : changed.joined(separator: ", ")
    }
}
