import Foundation
import Spec
import Testing

@testable import Controller
@testable import SMSCore
@testable import Services

/// The backtest replays history through the alerts service's evaluator: on a scripted series it finds exactly
/// the firing periods a person counts by hand, and on two hours of a random walk it fires exactly as the live
/// alerts service fired when the same samples streamed through it.
@Suite struct AlertBacktestTests {
    static func history(_ values: [Double], from startMs: Int64, everyMs: Int64 = 1000) -> [HistorySeries] {
        let points = values.enumerated().map { i, v in
            HistoryPoint(t: startMs + Int64(i) * everyMs, value: v, min: v, max: v, last: v)
        }
        return [HistorySeries(series: SeriesKey("cpu.usage_percent"), tier: .raw, points: points)]
    }

    @Test func aScriptedSeriesFiresWhereAPersonCountsIt() {
        // 10 s low, 40 s at 90 (fires after for: 30s), 10 s low, 20 s at 90 (pending only), 30 s low, 35 s at 97.
        let values = Array(repeating: 10.0, count: 10) + Array(repeating: 90, count: 40) + Array(repeating: 10, count: 10)
            + Array(repeating: 90, count: 20) + Array(repeating: 10, count: 30) + Array(repeating: 97, count: 35)
        let start: Int64 = 1_700_000_000_000
        let rule = AlertsFixture.cpuRule(for: .seconds(30))
        let spec = AlertsFixture.spec([rule])
        let end = start + Int64(values.count) * 1000
        let result = AlertBacktest.replay(
            rule: rule, spec: spec, machine: "mcrn", series: Self.history(values, from: start), stepMs: 1000, endMs: end)
        #expect(result.firings == 2)
        #expect(result.intervals.first == .init(fromMs: start + 40_000, toMs: start + 50_000, severity: "warning"))
        #expect(result.intervals.last == .init(fromMs: start + 140_000, toMs: nil, severity: "critical"))
        #expect(result.totalMs == 10_000 + (end - start - 140_000))
        // Lowered to 85 with for 0s: the short burst counts too.
        var lowered = rule
        lowered.forDuration = .zero
        let more = AlertBacktest.replay(
            rule: lowered, spec: spec, machine: "mcrn", series: Self.history(values, from: start), stepMs: 1000, endMs: end)
        #expect(more.firings == 3)
    }

    @Test func firesExactlyAsTheLiveServiceOnTheSameSamples() async throws {
        var rng = SplitMix64(seed: 42)
        var value = 50.0
        var values: [Double] = []
        for _ in 0..<7_200 {
            value = min(100, max(0, value + Double.random(in: -6...6.4, using: &rng)))
            values.append(value)
        }
        let rule = AlertRule(
            name: "cpu_high", metric: "cpu.usage_percent", warning: 80, critical: 95, clear: 70,
            forDuration: .seconds(20), keepFiringFor: .seconds(30))
        let spec = AlertsFixture.spec([rule])
        // Live: each sample as it arrives (stamped 200 ms before the hub's clock), then the second's tick.
        let harness = try await AlertsHarness(spec: spec)
        let start = harness.clock.nowMs()
        for v in values {
            await harness.ingest(AlertsFixture.cpu(v))
            await harness.engine.tick()
            harness.clock.advance(seconds: 1)
        }
        let live = harness.sink.notifications.filter { $0.kind == .firing || $0.kind == .resolved }
        // The backtest of what was stored: the same samples at their own timestamps.
        let stored = Self.history(values, from: start - 200)
        let replayed = AlertBacktest.replay(
            rule: rule, spec: spec, machine: "mcrn", series: stored, stepMs: 1000, endMs: start + 7_200_000)
        let fired = live.filter { $0.kind == .firing }.map(\.atMs)
        let resolved = live.filter { $0.kind == .resolved }.map(\.atMs)
        #expect(fired.count >= 5, "the walk should cross the threshold several times (\(fired.count))")
        #expect(replayed.firings == fired.count)
        #expect(replayed.intervals.map(\.fromMs) == fired.map { $0 - 200 })
        #expect(replayed.intervals.compactMap(\.toMs) == resolved.map { $0 - 200 })
    }
}
