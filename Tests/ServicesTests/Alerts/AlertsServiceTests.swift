import Foundation
import Logging
import ServiceLifecycle
import Spec
import TestSupport
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// The whole service: bus in, SQLite state, webhooks out over HTTP, a restart on the same data directory.
@Suite struct AlertsServiceTests {
    /// A service with its loops running in a ServiceGroup until `body` returns, then shut down gracefully.
    static func running(
        _ service: AlertsService, _ body: @escaping @Sendable () async throws -> Void
    ) async throws {
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: service)], logger: AlertsFixture.quietLogger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await eventually { service.isStarted })
            do {
                try await body()
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static func make(
        _ box: SpecBox, bus: LocalEventBus, dataDir: URL, clock: ManualAlertClock
    ) -> AlertsService {
        let options = AlertsService.Options(
            tickInterval: .milliseconds(20), timeZone: AlertsFixture.utc, notifier: AlertsWebhookTests.fastRetries)
        return AlertsService(
            spec: box, bus: bus, state: MemoryStateStore(), dataDir: dataDir, logger: AlertsFixture.quietLogger,
            clock: clock, options: options)
    }

    @Test func firesOverTheBusNotifiesOnceAcrossARestartAndResolves() async throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-alerts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dataDir) }
        let receiver = WebhookReceiver()
        try await receiver.serve { url in
            let spec = AlertsFixture.spec(
                [AlertsFixture.cpuRule(for: .seconds(30))], notify: [AlertsWebhookTests.channel(url)])
            let box = SpecBox(spec, hash: spec.hash)
            let bus = LocalEventBus()
            let clock = ManualAlertClock()

            let first = Self.make(box, bus: bus, dataDir: dataDir, clock: clock)
            try await Self.running(first) {
                // One batch over the bus, to show the service listens to it.
                await bus.publish(.batch(AlertsFixture.cpu(93, at: clock.nowMs())))
                #expect(await eventually { await first.active().map(\.state) == [.pending] })
                for _ in 0..<18 {
                    clock.advance(seconds: 5)
                    await first.process(AlertsFixture.cpu(93, at: clock.nowMs()))
                }
                #expect(await eventually { receiver.requests.count == 1 })
                #expect(receiver.kinds == ["firing"])
            }
            #expect(FileManager.default.fileExists(atPath: dataDir.appendingPathComponent("alerts.sqlite").path))

            clock.advance(seconds: 10)
            let second = Self.make(box, bus: bus, dataDir: dataDir, clock: clock)
            try await Self.running(second) {
                #expect(await second.active().map(\.state) == [.firing])
                for _ in 0..<6 {
                    clock.advance(seconds: 5)
                    await second.process(AlertsFixture.cpu(93, at: clock.nowMs()))
                }
                try await Task.sleep(for: .milliseconds(300))
                #expect(receiver.kinds == ["firing"])
                await second.process(AlertsFixture.cpu(20, at: clock.nowMs()))
                #expect(await eventually { receiver.requests.count == 2 })
                #expect(receiver.kinds == ["firing", "resolved"])
                let history = await second.history(limit: 10)
                #expect(history.map(\.state) == [.resolved])
            }
        }
    }

    @Test func aThresholdChangeInTheProviderAppliesWithoutARestart() async throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-alerts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dataDir) }
        let spec = AlertsFixture.spec([AlertsFixture.cpuRule(warning: 80, for: .zero)])
        let box = SpecBox(spec, hash: spec.hash)
        let clock = ManualAlertClock()
        let service = Self.make(box, bus: LocalEventBus(), dataDir: dataDir, clock: clock)
        try await Self.running(service) {
            await service.process(AlertsFixture.cpu(75, at: clock.nowMs()))
            #expect(await service.active().isEmpty)
            let lowered = AlertsFixture.spec([AlertsFixture.cpuRule(warning: 70, for: .zero)])
            box.replace(lowered, hash: lowered.hash)  // what SpecReloader does on SIGHUP
            await service.process(AlertsFixture.cpu(75, at: clock.nowMs()))
            #expect(await service.active().map(\.threshold) == [70])
        }
    }

    @Test func aSilenceWrittenWhileRunningIsPickedUpAndQueuedNotificationsGoOutOnShutdown() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-alerts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let receiver = WebhookReceiver()
        try await receiver.serve { url in
            let spec = AlertsFixture.spec(
                [AlertsFixture.cpuRule(for: .zero)], notify: [AlertsWebhookTests.channel(url)])
            let clock = ManualAlertClock()
            let silences = SilenceStore(url: dir.appendingPathComponent("silences.json"))
            let options = AlertsService.Options(
                tickInterval: .milliseconds(20), silenceCheckInterval: .milliseconds(20),
                timeZone: AlertsFixture.utc, silencesFile: silences.url,
                notifier: Notifier.Options(initialBackoff: .seconds(60), maxBackoff: .seconds(60)))
            let service = AlertsService(
                spec: SpecBox(spec, hash: spec.hash), bus: LocalEventBus(), state: MemoryStateStore(),
                dataDir: dir, logger: AlertsFixture.quietLogger, clock: clock, options: options)
            try await Self.running(service) {
                let now = clock.nowMs()
                try silences.save([Silence(machine: "mcrn", rule: nil, startsMs: now, endsMs: now + 60_000, reason: "")]
                )
                #expect(
                    await eventually {
                        await service.process(AlertsFixture.cpu(90, at: clock.nowMs()))
                        return await service.active().first?.message?.contains("muted") == true
                    })
                // The receiver is down when the silence is lifted: the firing notification waits in the queue
                // (the next retry is a minute away) until the graceful shutdown gives it a last attempt.
                receiver.respond(with: 500)
                try silences.save([])
                #expect(await eventually { receiver.attempts == 1 })
                receiver.respond(with: 200)
            }
            #expect(receiver.kinds == ["firing"])
        }
    }
}
