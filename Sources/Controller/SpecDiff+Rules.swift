import Services
import SMSCore
import Spec

extension SpecDiff {
    /// Pairs items of two lists by name: changed pairs, then removed ones, in the new list's order.
    func byName<T>(_ old: [T], _ new: [T], name: (T) -> String) -> (pairs: [(T?, T)], removed: [T]) {
        let before = Dictionary(old.map { (name($0), $0) }, uniquingKeysWith: { a, _ in a })
        let after = Set(new.map(name))
        return (new.map { (before[name($0)], $0) }, old.filter { !after.contains(name($0)) })
    }

    /// `~` lines for the fields that differ, all reloads.
    func fieldChanges(
        kind: PlanChange.Kind, subject: String, _ fields: [(String, String, String)],
        kindFor: (String) -> PlanChange.Kind = { _ in .alertSetting }
    ) -> [PlanChange] {
        fields.filter { $0.1 != $0.2 }.map { field, x, y in
            PlanChange(op: .change, kind: kindFor(field), subject: subject, field: field, old: x, new: y)
        }
    }

    /// Alerts: every change reloads; thresholds are counted apart (`~2 alert thresholds`).
    func alertChanges(_ old: Spec) -> [PlanChange] {
        let (pairs, removed) = byName(old.alerts, new.alerts, name: \.name)
        var out: [PlanChange] = []
        for (o, a) in pairs {
            guard let o else {
                out.append(PlanChange(op: .add, kind: .alert, subject: "alert \(a.name)", detail: describe(a)))
                continue
            }
            out += fieldChanges(kind: .alert, subject: "alert \(a.name)", alertFields(o, a)) { field in
                ["warning", "critical", "clear"].contains(field) ? .alertThreshold : .alertSetting
            }
        }
        out += removed.map { PlanChange(op: .remove, kind: .alert, subject: "alert \($0.name)") }
        return out
    }

    /// Every compared alert field as (name, old, new).
    func alertFields(_ o: AlertRule, _ a: AlertRule) -> [(String, String, String)] {
        [
            ("enabled", "\(o.enabled)", "\(a.enabled)"),
            ("metric", o.metric ?? "none", a.metric ?? "none"),
            ("labels", Format.map(o.labels), Format.map(a.labels)),
            ("direction", o.direction.rawValue, a.direction.rawValue),
            ("warning", Format.number(o.warning), Format.number(a.warning)),
            ("critical", Format.number(o.critical), Format.number(a.critical)),
            ("clear", Format.number(o.clear), Format.number(a.clear)),
            ("for", "\(o.forDuration)", "\(a.forDuration)"),
            ("keep_firing_for", Format.duration(o.keepFiringFor), Format.duration(a.keepFiringFor)),
            ("absent_for", Format.duration(o.absentFor), Format.duration(a.absentFor)),
            ("machines", Format.selector(o.machines), Format.selector(a.machines)),
            ("notify", Format.list(o.notify), Format.list(a.notify)),
            ("repeat_interval", Format.duration(o.repeatInterval), Format.duration(a.repeatInterval)),
        ]
    }

    /// `cpu.usage_percent warning 80, critical 95` or `absent for 30s`.
    func describe(_ a: AlertRule) -> String {
        if let absent = a.absentFor { return "absent for \(absent)" }
        var parts = [a.metric ?? "?"]
        if let w = a.warning { parts.append("warning \(Format.number(w))") }
        if let c = a.critical { parts.append("critical \(Format.number(c))") }
        return parts.joined(separator: " ")
    }

    /// Notify channels, secrets shown by source only and URLs by scheme and host.
    func notifyChanges(_ old: Spec) -> [PlanChange] {
        let (pairs, removed) = byName(old.notify, new.notify, name: \.name)
        var out: [PlanChange] = []
        for (o, n) in pairs {
            guard let o else {
                out.append(
                    PlanChange(op: .add, kind: .notify, subject: "notify \(n.name)", detail: Format.channel(n)))
                continue
            }
            let before = Dictionary(uniqueKeysWithValues: Format.channelFields(o).map { ($0.field, $0) })
            let after = Format.channelFields(n)
            var fields: [(String, String, String)] = after.map { field in
                guard let was = before[field.field] else { return (field.field, "none", field.shown) }
                // A webhook URL often carries a secret in its path (Slack): compare whole, show only scheme and host.
                if was.compared == field.compared { return (field.field, "", "") }
                let redacted = field.compared != field.shown
                return (field.field, was.shown, field.shown + (redacted ? " (changed)" : ""))
            }
            let kept = Set(after.map(\.field))
            fields += before.values.filter { !kept.contains($0.field) }.sorted { $0.field < $1.field }.map {
                ($0.field, $0.shown, "none")
            }
            out += fieldChanges(kind: .notify, subject: "notify \(n.name)", fields) { _ in .notify }
        }
        out += removed.map { PlanChange(op: .remove, kind: .notify, subject: "notify \($0.name)") }
        return out
    }

    /// Edges, the token by source only.
    func edgeChanges(_ old: Spec) -> [PlanChange] {
        let (pairs, removed) = byName(old.edges, new.edges, name: \.name)
        var out: [PlanChange] = []
        for (o, e) in pairs {
            guard let o else {
                out.append(PlanChange(op: .add, kind: .edge, subject: "edge \(e.name)", detail: Redact.url(e.url)))
                continue
            }
            out += fieldChanges(
                kind: .edge, subject: "edge \(e.name)",
                [
                    ("url", Redact.url(o.url), Redact.url(e.url)),
                    ("token", o.token.description, e.token.description),
                    ("machines", Format.list(o.machines), Format.list(e.machines)),
                    ("metrics", Format.list(o.metrics), Format.list(e.metrics)),
                ]
            ) { _ in .edge }
        }
        out += removed.map { PlanChange(op: .remove, kind: .edge, subject: "edge \($0.name)") }
        return out
    }

    /// Maintenance windows.
    func maintenanceChanges(_ old: Spec) -> [PlanChange] {
        let (pairs, removed) = byName(old.maintenance, new.maintenance, name: \.name)
        var out: [PlanChange] = []
        for (o, w) in pairs {
            guard let o else {
                out.append(PlanChange(op: .add, kind: .maintenance, subject: "maintenance \(w.name)"))
                continue
            }
            out += fieldChanges(
                kind: .maintenance, subject: "maintenance \(w.name)",
                [
                    ("machines", Format.selector(o.machines), Format.selector(w.machines)),
                    ("days", Format.list(o.days.map(\.rawValue)), Format.list(w.days.map(\.rawValue))),
                    ("start", Format.minute(o.startMinute), Format.minute(w.startMinute)),
                    ("end", Format.minute(o.endMinute), Format.minute(w.endMinute)),
                ]
            ) { _ in .maintenance }
        }
        out += removed.map { PlanChange(op: .remove, kind: .maintenance, subject: "maintenance \($0.name)") }
        return out
    }
}
