import Foundation
import Logging
import ServiceLifecycle
import Spec
import TestSupport
import Testing

@testable import Services

/// Notifications are an outbox: stored before they are sent, removed when delivered. Before, the ones still
/// queued at a stop were logged as `undelivered=3` and never sent.
@Suite struct AlertsOutboxTests {
    @Test("three notifications queued while the receiver fails survive a stop: the next start delivers each once, in order; the outbox holds no secret")
    func outboxSurvivesARestart() async throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-outbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dataDir) }
        let outbox = dataDir.appendingPathComponent("outbox")
        @Sendable func files() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []).filter { $0.hasSuffix(".json") } }
        let receiver = WebhookReceiver()
        try await receiver.serve { url in
            receiver.respond(with: 503)
            let spec = AlertsFixture.spec([AlertsFixture.cpuRule(for: .seconds(0))], notify: [AlertsWebhookTests.channel(url)])
            let box = SpecBox(spec, hash: spec.hash)
            let bus = LocalEventBus()
            let clock = ManualAlertClock()

            let first = AlertsServiceTests.make(box, bus: bus, dataDir: dataDir, clock: clock)
            try await AlertsServiceTests.running(first) {
                await first.process(AlertsFixture.cpu(97, machine: "mcrn", at: clock.nowMs()))
                await first.process(AlertsFixture.cpu(97, machine: "nfrt", at: clock.nowMs()))
                clock.advance(seconds: 5)
                await first.process(AlertsFixture.cpu(10, machine: "mcrn", at: clock.nowMs()))
                #expect(await eventually { files().count == 3 && receiver.attempts >= 2 }, "\(files()) \(receiver.attempts)")
                // What status and /api/alerts say meanwhile: three waiting, and why.
                let failing = await first.channels()
                #expect(failing.map(\.name) == ["ops"] && failing.first?.queued == 3, "\(failing)")
                #expect(failing.first?.lastError?.contains("answered HTTP 503") == true && failing.first?.lastDeliveredMs == nil, "\(failing)")
            }
            // Stopped with the receiver still failing: nothing accepted, all three kept.
            #expect(receiver.requests.isEmpty)
            #expect(files().count == 3)
            for name in files() {
                let text = try String(contentsOf: outbox.appendingPathComponent(name), encoding: .utf8)
                #expect(!text.contains("s3") && !text.contains(url), "the outbox holds a header value or the URL: \(text)")
            }

            receiver.respond(with: 200)
            clock.advance(seconds: 10)
            let second = AlertsServiceTests.make(box, bus: bus, dataDir: dataDir, clock: clock)
            try await AlertsServiceTests.running(second) {
                #expect(await eventually { receiver.requests.count == 3 && files().isEmpty }, "\(receiver.kinds) \(files())")
                let delivering = await second.channels()
                #expect(delivering.first?.queued == 0 && delivering.first?.lastError == nil && delivering.first?.lastDeliveredMs != nil, "\(delivering)")
                try await Task.sleep(for: .milliseconds(300))  // a window for a duplicate, which must not come
            }
            #expect(receiver.kinds == ["firing", "firing", "resolved"], "\(receiver.kinds)")
            #expect(receiver.requests.map { $0.json["machine"] ?? "" } == ["mcrn", "nfrt", "mcrn"], "\(receiver.requests.map(\.json))")
            #expect(receiver.requests.allSatisfy { $0.headers["authorization"] == "Bearer s3" })
        }
    }
}
