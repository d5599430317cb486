import Foundation
import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// Alert state in `alerts.sqlite` survives a restart: no duplicate firing, `for` timers resume.
@Suite struct AlertsPersistenceTests {
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-alerts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func open(_ dir: URL) async throws -> SQLiteAlertStateStore {
        try await SQLiteAlertStateStore.open(
            path: dir.appendingPathComponent("alerts.sqlite").path, logger: AlertsFixture.quietLogger)
    }

    @Test func concurrentSavesAreAllKept() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try await Self.open(dir)
        // Saves from the tick loop and the event stream can overlap; none may be lost to an interleaved BEGIN.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                group.addTask {
                    var changes = AlertStoreChanges()
                    changes.lastSeenMs["m\(i)"] = Int64(i)
                    try await store.save(changes)
                }
            }
            try await group.waitForAll()
        }
        try await store.close()
        let reopened = try await Self.open(dir)
        let seen = try await reopened.load().lastSeenMs
        try await reopened.close()
        #expect(seen.count == 40)
    }

    @Test func aFiringAlertStaysFiringAcrossARestartWithoutANewNotification() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = AlertsFixture.spec([AlertsFixture.cpuRule(for: .seconds(30))])
        let clock = ManualAlertClock()

        let first = try await AlertsHarness(spec: spec, clock: clock, store: try await Self.open(dir))
        await first.feedCPU(93, for: 60)
        #expect(first.sink.kinds() == [.firing])
        await first.engine.flush()
        try await first.store.close()

        clock.advance(seconds: 20)
        let second = try await AlertsHarness(spec: spec, clock: clock, store: try await Self.open(dir))
        #expect(await second.engine.active().map(\.state) == [.firing])
        await second.feedCPU(93, for: 60)
        #expect(second.sink.notifications.isEmpty)
        await second.feedCPU(10, for: 5)
        #expect(second.sink.kinds() == [.resolved])
        let history = await second.engine.history(limit: 5)
        #expect(history.map(\.state) == [.resolved])
        try await second.store.close()
    }

    @Test func aPendingTimerResumesFromItsPersistedStart() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = AlertsFixture.spec([AlertsFixture.cpuRule(for: .seconds(60))])
        let clock = ManualAlertClock()
        let start = clock.nowMs()

        let first = try await AlertsHarness(spec: spec, clock: clock, store: try await Self.open(dir))
        await first.feedCPU(93, for: 40)
        try await first.store.close()

        let second = try await AlertsHarness(spec: spec, clock: clock, store: try await Self.open(dir))
        #expect(await second.engine.active().map(\.sinceMs) == [start])
        await second.feedCPU(93, for: 25)  // 40 + 20 s: fires at 60 s after the first breach, not 60 s after restart
        #expect(second.sink.kinds() == [.firing])
        #expect(second.sink.notifications.first?.instance.firingSinceMs == start + 60_000)
        try await second.store.close()
    }

    @Test func machineDownAfterARestartNamesWhenTheMachineWasLastSeen() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = AlertsFixture.spec([.machineDown(absentFor: .seconds(30))])
        let clock = ManualAlertClock()
        let first = try await AlertsHarness(spec: spec, clock: clock, store: try await Self.open(dir))
        await first.ingest(AlertsFixture.cpu(10, machine: "nfrt"))
        await first.engine.flush()
        try await first.store.close()

        clock.advance(seconds: 600)
        let second = try await AlertsHarness(spec: spec, clock: clock, store: try await Self.open(dir))
        for _ in 0...30 {
            await second.ingest(AlertsFixture.cpu(10, machine: "mcrn"))
            await second.engine.tick()
            clock.advance(seconds: 1)
        }
        let fired = try #require(second.sink.notifications.first)
        #expect(fired.instance.key.machine == "nfrt")
        #expect(fired.summary.hasPrefix("machine_down on nfrt: no data for 10m30s (last seen 22:13:20)"))
        try await second.store.close()
    }

    @Test func theEventLogIsKeptInOrder() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try await Self.open(dir)
        let h = try await AlertsHarness(
            spec: AlertsFixture.spec([AlertsFixture.cpuRule(for: .seconds(10))]), store: store)
        await h.feedCPU(90, for: 5)
        await h.feedCPU(10, for: 5)
        await h.feedCPU(97, for: 15)
        await h.feedCPU(10, for: 5)
        let kinds = try await store.events(limit: 10).reversed().map(\.kind)
        #expect(kinds == [.pending, .cancelled, .pending, .firing, .resolved])
        let periods = try await store.periods(limit: 10)
        #expect(periods.count == 1 && periods.first?.severity == .critical && periods.first?.endedMs != nil)
        try await store.close()
    }
}
