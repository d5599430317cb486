import Foundation
import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// What receivers read: the summary line, sms's webhook JSON and the Slack format.
@Suite struct AlertsPayloadTests {
    // 2023-11-14T12:03:10Z
    static let since: Int64 = 1_699_963_390_000

    static func firing(series: String = "", labels: [String: String] = [:], value: Double = 93.2) -> AlertInstance {
        var instance = AlertInstance(
            key: AlertKey(rule: "cpu_high", machine: "mcrn", series: series), metric: "cpu.usage_percent",
            labels: labels, phase: .firing, severity: .warning, pendingSinceMs: since - 30_000, firingSinceMs: since,
            value: value, threshold: 80, updatedMs: since)
        instance.notifiedSeverity = .warning
        return instance
    }

    static func notification(_ kind: AlertNotification.Kind, _ instance: AlertInstance, at: Int64 = since)
        -> AlertNotification
    {
        AlertNotification(
            kind: kind, atMs: at, instance: instance, direction: .above, isAbsence: false, specName: "home",
            timeZone: AlertsFixture.utc)
    }

    @Test func summaryReadsLikeASentence() {
        let n = Self.notification(.firing, Self.firing(series: "cpu.usage_percent"))
        #expect(n.summary == "cpu_high on mcrn: cpu.usage_percent 93.2 ≥ 80 (warning) since 12:03:10")
        let resolved = Self.notification(
            .resolved, Self.firing(series: "cpu.usage_percent", value: 65), at: Self.since + 250_000)
        #expect(resolved.summary == "cpu_high on mcrn resolved: cpu.usage_percent 65 after 4m10s, since 12:03:10")
    }

    @Test(arguments: [(93.2, "93.2"), (80, "80"), (0.755, "0.76"), (1e9, "1000000000"), (-2.5, "-2.5")])
    func numbersWithoutNoise(value: Double, text: String) {
        #expect(AlertSummary.number(value) == text)
    }

    @Test func webhookJSONCarriesEveryField() throws {
        let instance = Self.firing(series: "disk.used_percent{mount=\"/\"}", labels: ["mount": "/"])
        let body = try WebhookPayload.body(Self.notification(.firing, instance), format: .json)
        let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(json["rule"] as? String == "cpu_high")
        #expect(json["machine"] as? String == "mcrn")
        #expect(json["labels"] as? [String: String] == ["mount": "/"])
        #expect(json["severity"] as? String == "warning")
        #expect(json["state"] as? String == "firing")
        #expect(json["kind"] as? String == "firing")
        #expect(json["value"] as? Double == 93.2)
        #expect(json["threshold"] as? Double == 80)
        #expect(json["since"] as? String == "2023-11-14T12:03:10.000Z")
        #expect(json["since_ms"] as? Int64 == Self.since)
        #expect(json["ended"] == nil)
        #expect(
            (json["summary"] as? String)?.hasPrefix("cpu_high on mcrn: disk.used_percent{mount=\"/\"} 93.2") == true)
    }

    @Test func resolvedJSONHasItsEnd() throws {
        let body = try WebhookPayload.body(
            Self.notification(.resolved, Self.firing(), at: Self.since + 60_000), format: .json)
        let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(json["state"] as? String == "resolved")
        #expect(json["ended_ms"] as? Int64 == Self.since + 60_000)
    }

    @Test func slackFormatHasTextAndAttachments() throws {
        let body = try WebhookPayload.body(Self.notification(.firing, Self.firing()), format: .slack)
        let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect((json["text"] as? String)?.hasPrefix("[WARNING] cpu_high on mcrn:") == true)
        let attachment = try #require((json["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["color"] as? String == "#f2c744")
        let fields = try #require(attachment["fields"] as? [[String: Any]])
        #expect(fields.map { $0["title"] as? String } == ["machine", "severity", "value", "threshold", "since"])
    }

    @Test func backoffDoublesUpToItsCap() {
        let options = Notifier.Options(initialBackoff: .seconds(1), maxBackoff: .seconds(10))
        #expect((1...6).map { options.backoff(afterFailures: $0) } == [1, 2, 4, 8, 10, 10].map { .seconds($0) })
    }
}
