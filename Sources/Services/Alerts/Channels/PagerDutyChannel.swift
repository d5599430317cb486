import Foundation
import Spec

/// PagerDuty Events API v2: a `trigger` event when an alert fires (again on escalation or repeat, which PagerDuty
/// folds into the same incident) and a `resolve` event when it resolves, both with the same `dedup_key`, so the
/// resolution closes the incident the trigger opened. The routing key is a secret, added when sending.
enum PagerDutyChannel: ChannelFormat {
    struct Event: Codable {
        var event_action: String
        var dedup_key: String
        var payload: Payload?
        var client: String?
        var client_url: String?
        var links: [Link]?
    }
    struct Payload: Codable {
        var summary: String
        var source: String
        var severity: String
        var timestamp: String
        var component: String?
        var group: String
        var `class`: String
        var custom_details: [String: String]
    }
    struct Link: Codable {
        var href: String
        var text: String
    }

    static func render(_ notification: AlertNotification) throws -> Data {
        let key = dedupKey(notification)
        guard notification.kind != .resolved else { return try encode(Event(event_action: "resolve", dedup_key: key)) }
        let facts = AlertFacts(notification)
        let details = Dictionary(facts.facts.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        let payload = Payload(
            summary: AlertFacts.clip(facts.summary, 1024), source: notification.instance.key.machine,
            severity: notification.instance.severity == .critical ? "critical" : "warning",
            timestamp: WebhookPayload.iso8601(notification.instance.sinceMs), component: facts.seriesName,
            group: notification.specName, class: notification.instance.key.rule, custom_details: details)
        let links = facts.link.map {
            [Link(href: $0, text: "\(notification.instance.key.machine) on the sms dashboard")]
        }
        return try encode(
            Event(
                event_action: "trigger", dedup_key: key, payload: payload, client: "sms", client_url: facts.link,
                links: links))
    }

    static func request(_ message: Data, channel: NotifyChannel) throws -> ChannelRequest {
        guard let key = channel.secret("routing_key"), !key.isEmpty else {
            throw ChannelSetupError("channel \(channel.name) has no routing key")
        }
        let endpoint = try url(channel.text("url") ?? PagerDutyDefaults.eventsURL, channel, field: "url")
        return jsonPost(endpoint, try adding(["routing_key": key], to: message))
    }

    /// `sms/home/cpu_high/mcrn[/series]`: one incident per alert instance, at most PagerDuty's 255 characters.
    static func dedupKey(_ notification: AlertNotification) -> String {
        let key = notification.instance.key
        let text =
            ["sms", notification.specName, key.rule, key.machine].joined(separator: "/")
            + (key.series.isEmpty ? "" : "/\(key.series)")
        guard text.count > 255 else { return text }
        return String(text.prefix(238)) + "#" + StableHash.hex(Array(text.utf8))
    }
}
