import Foundation
import Logging
import Spec
import TestSupport
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// Webhook delivery over real HTTP: payloads, secret headers, retries until the receiver recovers, the bound.
@Suite struct AlertsWebhookTests {
    static let fastRetries = Notifier.Options(
        timeout: .seconds(5), initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(200))

    static func channel(_ url: String, format: NotifyChannel.Format = .json) -> NotifyChannel {
        NotifyChannel(
            name: "ops", webhook: url,
            headers: ["Authorization": Secret(source: .env("HOOK_TOKEN"), value: "Bearer s3")],
            format: format)
    }

    static func notification(_ kind: AlertNotification.Kind, machine: String = "mcrn") -> AlertNotification {
        let instance = AlertInstance(
            key: AlertKey(rule: "cpu_high", machine: machine, series: "cpu.usage_percent"), metric: "cpu.usage_percent",
            phase: .firing, severity: .warning, pendingSinceMs: 0, firingSinceMs: 0, value: 93.2, threshold: 80,
            updatedMs: 0)
        return AlertNotification(
            kind: kind, atMs: 1000, instance: instance, direction: .above, isAbsence: false, specName: "home",
            timeZone: AlertsFixture.utc)
    }

    /// Runs a notifier with the real URLSession transport while `body` runs.
    static func withNotifier(
        _ options: Notifier.Options = fastRetries, _ body: @escaping @Sendable (Notifier) async throws -> Void
    ) async throws {
        let notifier = Notifier(options: options, logger: AlertsFixture.quietLogger)
        let task = Task { await notifier.run() }
        defer { task.cancel() }
        try await body(notifier)
    }

    @Test func theReceiverGetsJSONWithTheSecretHeader() async throws {
        let receiver = WebhookReceiver()
        try await receiver.serve { url in
            try await Self.withNotifier { notifier in
                await notifier.send(Self.notification(.firing), to: [Self.channel(url)])
                #expect(await eventually { receiver.requests.count == 1 })
                let request = try #require(receiver.requests.first)
                #expect(request.headers["authorization"] == "Bearer s3")
                #expect(request.headers["content-type"] == "application/json")
                #expect(request.json["rule"] == "cpu_high")
                #expect(request.json["state"] == "firing")
                #expect(request.json["summary"]?.hasPrefix("cpu_high on mcrn: cpu.usage_percent 93.2 ≥ 80") == true)
            }
        }
    }

    @Test func slackChannelsGetSlackMessages() async throws {
        let receiver = WebhookReceiver()
        try await receiver.serve { url in
            try await Self.withNotifier { notifier in
                await notifier.send(Self.notification(.resolved), to: [Self.channel(url, format: .slack)])
                #expect(await eventually { receiver.requests.count == 1 })
                #expect(
                    receiver.requests.first?.json["text"]?.hasPrefix("[RESOLVED] cpu_high on mcrn resolved") == true)
            }
        }
    }

    @Test func everyNotificationArrivesOnceInOrderAfterTheReceiverRecovers() async throws {
        let receiver = WebhookReceiver()
        receiver.respond(with: 500)
        try await receiver.serve { url in
            try await Self.withNotifier { notifier in
                for kind in [AlertNotification.Kind.firing, .escalated, .resolved] {
                    await notifier.send(Self.notification(kind), to: [Self.channel(url)])
                }
                #expect(await eventually { receiver.attempts >= 4 })
                #expect(receiver.requests.isEmpty)
                receiver.respond(with: 200)
                #expect(await eventually { receiver.requests.count == 3 })
                try await Task.sleep(for: .milliseconds(300))
                #expect(receiver.kinds == ["firing", "escalated", "resolved"])
                #expect(await notifier.backlog() == 0)
            }
        }
    }

    @Test func anUnreachableReceiverIsRetriedUntilItListens() async throws {
        // Nothing listens on the URL at first: connection refused is a failure like HTTP 500.
        let receiver = WebhookReceiver()
        let notifier = Notifier(options: Self.fastRetries, logger: AlertsFixture.quietLogger)
        let task = Task { await notifier.run() }
        defer { task.cancel() }
        await notifier.send(Self.notification(.firing), to: [Self.channel("http://127.0.0.1:9/hook")])
        try await Task.sleep(for: .milliseconds(100))
        #expect(await notifier.backlog() == 1)
        try await receiver.serve { url in
            await notifier.send(Self.notification(.firing, machine: "nfrt"), to: [Self.channel(url)])
            #expect(await eventually { receiver.requests.count == 1 })
        }
    }

    @Test func aFullQueueDropsTheOldest() async throws {
        let receiver = WebhookReceiver()
        receiver.respond(with: 503)
        let options = Notifier.Options(
            timeout: .seconds(5), capacity: 2, initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(200))
        try await receiver.serve { url in
            try await Self.withNotifier(options) { notifier in
                for machine in ["a", "b", "c", "d"] {
                    await notifier.send(Self.notification(.firing, machine: machine), to: [Self.channel(url)])
                }
                #expect(await notifier.backlog() == 2)
                receiver.respond(with: 200)
                #expect(await eventually { await notifier.backlog() == 0 })
                // The head being retried when c and d arrived may have been a or b; at most one of them remains.
                let machines = receiver.requests.compactMap { $0.json["machine"] }
                #expect(machines.suffix(2) == ["c", "d"])
                #expect(machines.count <= 3)
            }
        }
    }
}
