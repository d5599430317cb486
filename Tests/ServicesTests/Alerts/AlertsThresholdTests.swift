import Foundation
import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// Threshold rules: `for`, hysteresis, severities, and what receivers are told.
@Suite struct AlertsThresholdTests {
    @Test func flappingEveryTenSecondsNeverFires() async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([AlertsFixture.cpuRule(for: .seconds(30))]))
        for _ in 0..<12 {
            await h.feedCPU(93, for: 10)
            await h.feedCPU(20, for: 10)
        }
        #expect(h.sink.notifications.isEmpty)
        #expect(await h.engine.active().isEmpty)
    }

    @Test func aSustainedBreachFiresOnceAndResolvesOncePastClear() async throws {
        let rule = AlertsFixture.cpuRule(clear: 70, for: .seconds(30))
        let h = try await AlertsHarness(spec: AlertsFixture.spec([rule]))
        await h.feedCPU(93.2, for: 90)
        #expect(h.sink.kinds() == [.firing])
        let fired = try #require(h.sink.notifications.first)
        #expect(fired.instance.severity == .warning)
        #expect(fired.instance.threshold == 80)
        #expect(fired.summary.hasPrefix("cpu_high on mcrn: cpu.usage_percent 93.2 ≥ 80 (warning) since "))

        // Between clear (70) and warning (80): still firing, nothing sent.
        await h.feedCPU(75, for: 60)
        #expect(h.sink.kinds() == [.firing])
        #expect(await h.engine.active().map(\.state) == [.firing])

        await h.feedCPU(50, for: 60)
        #expect(h.sink.kinds() == [.firing, .resolved])
        #expect(await h.engine.active().isEmpty)
    }

    @Test func firesOnlyAfterForHasElapsed() async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([AlertsFixture.cpuRule(for: .seconds(30))]))
        await h.feedCPU(90, for: 30)  // samples at 0, 5, …, 25 s
        #expect(h.sink.notifications.isEmpty)
        #expect(await h.engine.active().map(\.state) == [.pending])
        await h.feedCPU(90, for: 5)  // the sample at 30 s
        #expect(h.sink.kinds() == [.firing])
    }

    @Test func escalatesAndNotifiesOnceDeEscalatesSilently() async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([AlertsFixture.cpuRule(for: .zero)]))
        await h.feedCPU(85, for: 5)
        await h.feedCPU(97, for: 5)
        await h.feedCPU(85, for: 5)
        await h.feedCPU(97, for: 5)  // back to critical: receivers already know
        #expect(h.sink.kinds() == [.firing, .escalated])
        #expect(h.sink.notifications.last?.instance.severity == .critical)
        await h.feedCPU(10, for: 5)
        #expect(h.sink.kinds() == [.firing, .escalated, .resolved])
    }

    @Test func directionBelowFiresOnLowValues() async throws {
        let rule = AlertRule(
            name: "memory_low", metric: "memory.available_bytes", direction: .below, warning: 1e9, critical: 2e8)
        let h = try await AlertsHarness(spec: AlertsFixture.spec([rule]))
        await h.ingest(AlertsFixture.batch([Sample("memory.available_bytes", [:], 5e8)]))
        #expect(h.sink.kinds() == [.firing])
        #expect(h.sink.notifications.first?.summary.contains("≤ 1000000000 (warning)") == true)
        await h.ingest(AlertsFixture.batch([Sample("memory.available_bytes", [:], 3e9)]))
        #expect(h.sink.kinds() == [.firing, .resolved])
    }

    @Test func keepFiringForHoldsAResolutionBack() async throws {
        let rule = AlertsFixture.cpuRule(for: .zero, keepFiringFor: .seconds(60))
        let h = try await AlertsHarness(spec: AlertsFixture.spec([rule]))
        await h.feedCPU(90, for: 5)
        await h.feedCPU(10, for: 30)
        await h.feedCPU(90, for: 5)  // back above: the hold restarts
        await h.feedCPU(10, for: 55)
        #expect(h.sink.kinds() == [.firing])
        h.clock.advance(seconds: 10)
        await h.engine.tick()  // no sample needed: the tick ends the hold
        #expect(h.sink.kinds() == [.firing, .resolved])
    }

    @Test func repeatIntervalRenotifiesWhileFiring() async throws {
        let rule = AlertsFixture.cpuRule(for: .zero, repeatInterval: .minutes(5))
        let h = try await AlertsHarness(spec: AlertsFixture.spec([rule]))
        await h.feedCPU(90, for: 11 * 60, every: 10)
        #expect(h.sink.kinds() == [.firing, .repeated, .repeated])
    }

    @Test func noLevelReachedMeansNoInstance() async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([AlertsFixture.cpuRule()]))
        await h.feedCPU(79.9, for: 120)
        #expect(await h.engine.active().isEmpty)
        #expect(try await h.store.events(limit: 10).isEmpty)
    }

    @Test func eachTransitionIsLoggedWithItsTimeAndValue() async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([AlertsFixture.cpuRule(for: .seconds(10))]))
        let start = h.clock.nowMs()
        await h.feedCPU(90, for: 15)
        await h.feedCPU(97, for: 5)
        await h.feedCPU(10, for: 5)
        let events = try await h.store.events(limit: 10).reversed().map { ($0.kind, $0.atMs - start, $0.value) }
        #expect(events.map(\.0) == [.pending, .firing, .escalated, .resolved])
        #expect(events.map(\.1) == [0, 10_000, 15_000, 20_000])
        #expect(events.map(\.2) == [90, 90, 97, 10])
        let history = await h.engine.history(limit: 10)
        #expect(history.count == 1)
        #expect(history.first?.state == .resolved)
        #expect(history.first?.severity == .critical)
        #expect(history.first?.endedMs == start + 20_000)
    }

    @Test func aReplayedBacklogIsNotEvaluated() async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([AlertsFixture.cpuRule(for: .zero)]))
        await h.feedCPU(10, for: 30)
        // The collector reconnects and replays ten minutes of buffered batches: the past, not the present.
        let now = h.clock.nowMs()
        for second in 0..<20 {
            await h.engine.ingest(AlertsFixture.cpu(99, at: now - 600_000 + Int64(second) * 1000))
        }
        #expect(h.sink.notifications.isEmpty)
        await h.feedCPU(99, for: 5)
        #expect(h.sink.kinds() == [.firing])
    }
}
