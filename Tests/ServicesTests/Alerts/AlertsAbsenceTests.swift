import Foundation
import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// `machine_down` and other absence rules: firing for a stopped collector, and the restart grace.
@Suite struct AlertsAbsenceTests {
    static let spec = AlertsFixture.spec([.machineDown(absentFor: .seconds(30))])

    /// Ticks once a second for `seconds`, feeding `machines` a batch every `every` seconds.
    static func run(_ h: AlertsHarness, seconds: Int, feeding machines: [String], every: Int = 5) async {
        for second in 0..<seconds {
            if second % every == 0 {
                for machine in machines { await h.ingest(AlertsFixture.cpu(10, machine: machine)) }
            }
            await h.engine.tick()
            h.clock.advance(seconds: 1)
        }
    }

    @Test func firesForAStoppedCollectorWithinAbsentForPlusOneInterval() async throws {
        let h = try await AlertsHarness(spec: Self.spec)
        await Self.run(h, seconds: 60, feeding: ["mcrn", "nfrt"])
        #expect(h.sink.notifications.isEmpty)

        let stoppedAt = h.clock.nowMs() - 1000 - 4000  // nfrt's last batch was at second 55
        var firedAt: Int64?
        for _ in 0..<40 where firedAt == nil {
            await Self.run(h, seconds: 1, feeding: ["mcrn"], every: 1)
            if !h.sink.notifications.isEmpty { firedAt = h.clock.nowMs() - 1000 }
        }
        let fired = try #require(h.sink.notifications.first)
        #expect(fired.instance.key == AlertKey(rule: "machine_down", machine: "nfrt"))
        #expect(fired.instance.severity == .critical)
        #expect(fired.summary.hasPrefix("machine_down on nfrt: no data for 30s (last seen "))
        #expect(try #require(firedAt) - stoppedAt <= 30_000 + 5_000)

        await Self.run(h, seconds: 2, feeding: ["mcrn", "nfrt"], every: 1)
        #expect(h.sink.kinds() == [.firing, .resolved])
        #expect(h.sink.notifications.last?.summary.hasPrefix("machine_down on nfrt resolved: data again after") == true)
    }

    /// A hub that ran with both machines reporting (their last-seen saved), then restarted.
    static func restarted(_ spec: Spec) async throws -> AlertsHarness {
        let before = try await AlertsHarness(spec: spec)
        await run(before, seconds: 70, feeding: ["mcrn", "nfrt"])
        #expect(before.sink.notifications.isEmpty)
        return try await AlertsHarness(spec: spec, clock: before.clock, store: before.store)
    }

    @Test func neverFiresDuringTheRestartGrace() async throws {
        // Nothing reports at first: collectors are reconnecting to a hub that just restarted.
        let h = try await Self.restarted(Self.spec)
        await Self.run(h, seconds: 30, feeding: [])
        #expect(h.sink.notifications.isEmpty)
        await Self.run(h, seconds: 2, feeding: [])
        // Once the grace is over, machines that never came back are down, and the message says since when.
        #expect(h.sink.notifications.map(\.instance.key.machine).sorted() == ["mcrn", "nfrt"])
        #expect(h.sink.notifications.first?.summary.contains("no data for") == true, "\(String(describing: h.sink.notifications.first?.summary))")
    }

    @Test func graceIsAtLeastAbsentFor() async throws {
        let h = try await Self.restarted(AlertsFixture.spec([.machineDown(absentFor: .seconds(90))]))
        await Self.run(h, seconds: 89, feeding: [])
        #expect(h.sink.notifications.isEmpty)
        await Self.run(h, seconds: 2, feeding: [])
        #expect(h.sink.notifications.count == 2)
    }

    @Test("a machine never seen is pending, not down: a fresh install pages for nothing; once seen and silent, it fires")
    func neverSeenIsPending() async throws {
        let h = try await AlertsHarness(spec: Self.spec)
        await Self.run(h, seconds: 300, feeding: [])
        #expect(h.sink.notifications.isEmpty, "\(h.sink.notifications.map(\.summary))")
        await Self.run(h, seconds: 1, feeding: ["nfrt"], every: 1)
        await Self.run(h, seconds: 40, feeding: [])
        #expect(h.sink.notifications.map(\.instance.key.machine) == ["nfrt"], "mcrn was never seen: still pending")
    }

    @Test func aMachineThatReconnectsDuringTheGraceIsNotDown() async throws {
        let h = try await AlertsHarness(spec: Self.spec)
        await Self.run(h, seconds: 20, feeding: [])
        await Self.run(h, seconds: 60, feeding: ["mcrn", "nfrt"])
        #expect(h.sink.notifications.isEmpty)
    }

    @Test func absenceOfOneMetric() async throws {
        var rule = AlertRule(name: "temp_missing", metric: "temperature.celsius", absentFor: .seconds(30))
        rule.machines = MachineSelector(ids: ["mcrn"])
        let h = try await AlertsHarness(spec: AlertsFixture.spec([rule]))
        await Self.run(h, seconds: 40, feeding: ["mcrn"])  // batches, but never the metric
        #expect(h.sink.notifications.map(\.instance.key) == [AlertKey(rule: "temp_missing", machine: "mcrn")])
        await h.ingest(AlertsFixture.batch([Sample("temperature.celsius", ["sensor": "cpu"], 50)]))
        #expect(h.sink.kinds() == [.firing, .resolved])
    }
}
