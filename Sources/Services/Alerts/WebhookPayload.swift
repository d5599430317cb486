import SMSCore
import Foundation
import Spec

/// The body a webhook receives: sms's own JSON, or a Slack-compatible `{"text", "attachments"}` message.
public enum WebhookPayload {
    /// The JSON for `notification` in `format`.
    public static func body(_ notification: AlertNotification, format: NotifyChannel.Format) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Only webhooks use these two; the other formats have their own files under Channels/.
        return format == .slack ? try encoder.encode(SlackBody(notification)) : try encoder.encode(JSONBody(notification))
    }

    /// sms's webhook JSON: every field a receiver may route or deduplicate on, plus the human summary.
    public struct JSONBody: Codable, Equatable {
        public var version = 1
        public var spec: String
        /// `firing`, `escalated`, `repeat` or `resolved`.
        public var kind: String
        /// `firing` or `resolved`.
        public var state: String
        public var rule: String
        public var machine: String
        public var series: String?
        public var metric: String?
        public var labels: [String: String]
        public var severity: String
        public var value: Double?
        public var threshold: Double?
        public var since: String
        public var sinceMs: Int64
        public var ended: String?
        public var endedMs: Int64?
        public var reason: String?
        public var summary: String

        enum CodingKeys: String, CodingKey {
            case version, spec, kind, state, rule, machine, series, metric, labels, severity, value, threshold
            case since, ended, reason, summary
            case sinceMs = "since_ms"
            case endedMs = "ended_ms"
        }

        init(_ n: AlertNotification) {
            let instance = n.instance
            spec = n.specName
            kind = n.kind.rawValue
            state = n.state
            rule = instance.key.rule
            machine = instance.key.machine
            series = instance.key.series.isEmpty ? nil : instance.key.series
            metric = instance.metric
            labels = instance.labels
            severity = instance.severity.rawValue
            value = instance.value.flatMap { $0.isFinite ? $0 : nil }
            threshold = instance.threshold
            sinceMs = instance.sinceMs
            since = WebhookPayload.iso8601(instance.sinceMs)
            endedMs = n.kind == .resolved ? n.atMs : nil
            ended = endedMs.map(WebhookPayload.iso8601)
            reason = n.reason
            summary = n.summary
        }
    }

    /// What Slack's incoming webhooks (and Mattermost, Rocket.Chat) accept.
    public struct SlackBody: Codable, Equatable {
        public struct Field: Codable, Equatable {
            public var title: String
            public var value: String
            public var short: Bool
        }
        public struct Attachment: Codable, Equatable {
            public var color: String
            public var fallback: String
            public var fields: [Field]
            public var ts: Int64
        }
        public var text: String
        public var attachments: [Attachment]

        init(_ n: AlertNotification) {
            let instance = n.instance
            text = (n.kind == .resolved ? "[RESOLVED] " : "[\(instance.severity.rawValue.uppercased())] ") + n.summary
            var fields = [
                Field(title: "machine", value: instance.key.machine, short: true),
                Field(title: "severity", value: instance.severity.rawValue, short: true),
            ]
            if !instance.key.series.isEmpty {
                fields.append(Field(title: "series", value: instance.key.series, short: false))
            }
            if let value = instance.value {
                fields.append(Field(title: "value", value: AlertSummary.number(value), short: true))
            }
            if let threshold = instance.threshold {
                fields.append(Field(title: "threshold", value: AlertSummary.number(threshold), short: true))
            }
            fields.append(Field(title: "since", value: WebhookPayload.iso8601(instance.sinceMs), short: false))
            let color = n.kind == .resolved ? "#2eb886" : (instance.severity == .critical ? "#d00000" : "#f2c744")
            attachments = [Attachment(color: color, fallback: text, fields: fields, ts: n.atMs / 1000)]
        }
    }

    /// `2025-01-31T12:03:10.250Z`.
    static func iso8601(_ ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
