import Foundation
import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// Silences (`silences.json`) and maintenance windows mute notifications; the alert is still shown.
@Suite struct AlertsMuteTests {
    static func tempFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("sms-silences-\(UUID().uuidString).json")
    }

    @Test func aSilenceMutesThenTheAlertIsAnnouncedWhenItEnds() async throws {
        let file = Self.tempFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let clock = ManualAlertClock()
        let now = clock.nowMs()
        try SilenceStore(url: file).save([
            Silence(machine: "mcrn", rule: "cpu_high", startsMs: now, endsMs: now + 60_000, reason: "load test")
        ])
        let h = try await AlertsHarness(
            spec: AlertsFixture.spec([AlertsFixture.cpuRule(for: .zero)]), clock: clock, silences: file)
        await h.feedCPU(90, for: 30)
        #expect(h.sink.notifications.isEmpty)
        let shown = await h.engine.active()
        #expect(shown.map(\.state) == [.firing])
        #expect(shown.first?.message?.contains("notifications muted: silence") == true)
        await h.feedCPU(90, for: 40)
        #expect(h.sink.kinds() == [.firing])
    }

    @Test func aResolutionDuringASilenceIsNotSentWhenTheFiringWasNot() async throws {
        let file = Self.tempFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let h = try await AlertsHarness(spec: AlertsFixture.spec([AlertsFixture.cpuRule(for: .zero)]), silences: file)
        let now = h.clock.nowMs()
        try SilenceStore(url: file).save([
            Silence(
                machine: "mcrn", rule: nil, startsMs: now, endsMs: now + 3_600_000,
                reason: "")
        ])
        await h.engine.reloadSilences()  // what the mtime check (or SIGHUP) does in the running hub
        await h.feedCPU(90, for: 10)
        await h.feedCPU(10, for: 10)
        #expect(h.sink.notifications.isEmpty)
        #expect(try await h.store.events(limit: 10).map(\.kind) == [.resolved, .firing, .pending])
    }

    @Test func silencesMatchByMachineAndRule() {
        let key = AlertKey(rule: "cpu_high", machine: "nfrt")
        let cases: [(String?, String?, Bool)] = [
            ("nfrt", "cpu_high", true), ("nfrt", nil, true), (nil, "cpu_high", true), ("mcrn", nil, false),
            (nil, "disk_full", false),
        ]
        for (machine, rule, expected) in cases {
            let silence = Silence(machine: machine, rule: rule, startsMs: 0, endsMs: 10, reason: "")
            #expect(silence.mutes(key, atMs: 5) == expected)
            #expect(!silence.mutes(key, atMs: 10))
        }
    }

    @Test func maintenanceWindowMutesOnlyInsideItsHours() async throws {
        // 2023-11-14 22:13:20 UTC is a Tuesday.
        let window = MaintenanceWindow(
            name: "nightly", machines: MachineSelector(ids: ["mcrn"]), days: [.tue], startMinute: 22 * 60,
            endMinute: 2 * 60)
        let spec = AlertsFixture.spec([AlertsFixture.cpuRule(for: .zero)], maintenance: [window])
        let h = try await AlertsHarness(spec: spec)
        await h.feedCPU(90, for: 60)
        await h.feedCPU(90, for: 10, machine: "nfrt")
        #expect(h.sink.notifications.map(\.instance.key.machine) == ["nfrt"])
        #expect(await h.engine.active().count == 2)
    }

    @Test(arguments: [
        // (moment in UTC, window days, start minute, end minute, expected)
        ("2023-11-14T22:30:00Z", [MaintenanceWindow.Weekday.tue], 22 * 60, 2 * 60, true),
        ("2023-11-15T01:59:00Z", [MaintenanceWindow.Weekday.tue], 22 * 60, 2 * 60, true),
        ("2023-11-15T02:00:00Z", [MaintenanceWindow.Weekday.tue], 22 * 60, 2 * 60, false),
        ("2023-11-15T22:30:00Z", [MaintenanceWindow.Weekday.tue], 22 * 60, 2 * 60, false),
        ("2023-11-15T10:00:00Z", [], 9 * 60, 17 * 60, true),
        ("2023-11-15T17:00:00Z", [], 9 * 60, 17 * 60, false),
        ("2023-11-18T10:00:00Z", [MaintenanceWindow.Weekday.sat, .sun], 0, 24 * 60, true),
    ])
    func windowsAreLocalTimeAndMayCrossMidnight(
        at: String, days: [MaintenanceWindow.Weekday], start: Int, end: Int, expected: Bool
    ) throws {
        let date = try #require(ISO8601DateFormatter().date(from: at))
        let window = MaintenanceWindow(name: "w", days: days, startMinute: start, endMinute: end)
        let ms = Int64(date.timeIntervalSince1970 * 1000)
        #expect(window.isActive(atMs: ms, timeZone: AlertsFixture.utc) == expected)
    }
}
