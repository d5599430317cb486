import Foundation
import Spec

/// What every human-readable format says about a notification, worded once: a title, the summary, the facts
/// (machine, rule, value, threshold, since when…) and the link to the machine's page.
struct AlertFacts {
    struct Fact {
        var name: String
        var value: String
        /// Short enough to sit beside another (chat layouts put these two to a row).
        var short: Bool
    }

    let notification: AlertNotification

    init(_ notification: AlertNotification) { self.notification = notification }

    var instance: AlertInstance { notification.instance }
    var isResolved: Bool { notification.kind == .resolved }

    /// `FIRING (warning)`, `ESCALATED (critical)`, `STILL FIRING (warning)`, `RESOLVED`.
    var status: String {
        let severity = instance.severity.rawValue
        switch notification.kind {
        case .firing: return "FIRING (\(severity))"
        case .escalated: return "ESCALATED (\(severity))"
        case .repeated: return "STILL FIRING (\(severity))"
        case .resolved: return "RESOLVED"
        }
    }

    /// `[FIRING (warning)] cpu_high on mcrn`.
    var title: String { "[\(status)] \(instance.key.rule) on \(instance.key.machine)" }

    var summary: String { notification.summary }
    var link: String? { notification.machineURL }

    /// The facts in reading order; value and threshold only when the rule has them.
    var facts: [Fact] {
        var facts = [
            Fact(name: "Machine", value: instance.key.machine, short: true),
            Fact(name: "Rule", value: instance.key.rule, short: true),
            Fact(name: "Severity", value: instance.severity.rawValue, short: true),
            Fact(name: "State", value: notification.state, short: true),
        ]
        if let series = seriesName { facts.append(Fact(name: "Series", value: series, short: false)) }
        if let value = instance.value, value.isFinite {
            facts.append(Fact(name: "Value", value: AlertSummary.number(value), short: true))
        }
        if let threshold = instance.threshold {
            let symbol = notification.direction == .above ? "≥" : "≤"
            facts.append(Fact(name: "Threshold", value: "\(symbol) \(AlertSummary.number(threshold))", short: true))
        }
        facts.append(Fact(name: "Since", value: WebhookPayload.iso8601(instance.sinceMs), short: false))
        if isResolved {
            facts.append(Fact(name: "Resolved", value: WebhookPayload.iso8601(notification.atMs), short: false))
        }
        if let reason = notification.reason { facts.append(Fact(name: "Reason", value: reason, short: false)) }
        return facts
    }

    /// The series (`disk.used_percent{mount=/}`) or metric the alert is about; nil for absence alerts.
    var seriesName: String? {
        if !instance.key.series.isEmpty { return instance.key.series }
        return instance.metric
    }

    /// The summary, then one `Name: value` line per fact, then the link: for plain-text formats.
    var plainText: String {
        var lines = [summary, ""]
        let width = (facts.map(\.name.count).max() ?? 0) + 2
        for fact in facts {
            lines.append((fact.name + ":").padding(toLength: width, withPad: " ", startingAt: 0) + fact.value)
        }
        if let link { lines.append("Dashboard:".padding(toLength: width, withPad: " ", startingAt: 0) + link) }
        return lines.joined(separator: "\n")
    }

    /// The notification's color as RGB: red critical, amber warning, green resolved.
    var color: Int {
        if isResolved { return 0x2EB886 }
        return instance.severity == .critical ? 0xD00000 : 0xF2C744
    }

    /// `text` cut to `limit` characters, with an ellipsis when cut (services refuse longer fields).
    static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
