import Foundation
import Testing

@testable import Services

/// Fixed series for the engine: answers every selector from memory.
struct FixtureSource: PromSeriesSource {
    let series: [PromSeries]
    func select(_ selector: PromSelector, fromMs: Int64, toMs: Int64, stepMs: Int64) async throws -> [PromSeries] {
        series.filter { selector.matches($0.labels) }.map { s in
            let keep = s.t.indices.filter { s.t[$0] >= fromMs && s.t[$0] <= toMs }
            return PromSeries(labels: s.labels, t: keep.map { s.t[$0] }, v: keep.map { s.v[$0] })
        }
    }
}

@Suite("PromQL")
struct PromQLTests {
    /// Two machines × two mounts of a gauge, one second apart for a minute, and a counter growing 3 per second.
    static let source: FixtureSource = {
        let times = (0...60).map { Int64($0) * 1000 }
        var series: [PromSeries] = []
        for (machine, base) in [("a", 10.0), ("b", 20.0)] {
            for (mount, extra) in [("/", 0.0), ("/boot", 5.0)] {
                series.append(PromSeries(
                    labels: ["__name__": "sms_disk_used_percent", "machine": machine, "mount": mount],
                    t: times, v: times.map { _ in base + extra }))
            }
            series.append(PromSeries(
                labels: ["__name__": "sms_custom_jobs_total", "machine": machine],
                t: times, v: times.map { Double($0 / 1000) * 3 }))
        }
        return FixtureSource(series: series)
    }()

    static func instant(_ query: String, at t: Int64 = 60_000) async throws -> [String: Double] {
        let value = try await PromQLEngine(source: source).instant(try PromQLParser.parse(query), atMs: t)
        switch value {
        case .scalar(let v): return ["scalar": v]
        case .vector(let samples):
            return Dictionary(uniqueKeysWithValues: samples.map { (PromQLEngine.signature($0.labels), $0.value) })
        case .matrix(let series): return Dictionary(uniqueKeysWithValues: series.map { (PromQLEngine.signature($0.labels), Double($0.v.count)) })
        }
    }

    @Test func selectorsWithEachMatcherKind() async throws {
        #expect(try await Self.instant(#"sms_disk_used_percent{machine="a"}"#).count == 2)
        #expect(try await Self.instant(#"sms_disk_used_percent{mount!="/"}"#).values.sorted() == [15, 25])
        #expect(try await Self.instant(#"sms_disk_used_percent{mount=~"/b.*"}"#).count == 2)
        #expect(try await Self.instant(#"sms_disk_used_percent{mount!~"/b.*",machine="b"}"#).values.sorted() == [20])
        #expect(try await Self.instant(#"{__name__=~"sms_.*",machine="a"}"#).count == 3)
    }

    @Test func aggregationsGroupByAndWithout() async throws {
        #expect(try await Self.instant("sum by (machine) (sms_disk_used_percent)") == [#"machine="a""#: 25, #"machine="b""#: 45])
        #expect(try await Self.instant("avg without (mount) (sms_disk_used_percent)") == [#"machine="a""#: 12.5, #"machine="b""#: 22.5])
        #expect(try await Self.instant("max(sms_disk_used_percent)") == ["": 25])
        #expect(try await Self.instant("min(sms_disk_used_percent) by (mount)") == [#"mount="/""#: 10, #"mount="/boot""#: 15])
        #expect(try await Self.instant("count(sms_disk_used_percent)") == ["": 4])
        #expect(try await Self.instant("topk(1, sms_disk_used_percent)").values.sorted() == [25])
    }

    @Test func functionsArithmeticAndComparison() async throws {
        #expect(try await Self.instant("avg_over_time(sms_disk_used_percent{machine=\"a\",mount=\"/\"}[30s])") == [#"machine="a",mount="/""#: 10])
        #expect(try await Self.instant("rate(sms_custom_jobs_total{machine=\"a\"}[30s])") == [#"machine="a""#: 3])
        #expect(try await Self.instant("increase(sms_custom_jobs_total{machine=\"a\"}[30s])") == [#"machine="a""#: 90])
        #expect(try await Self.instant("sms_disk_used_percent{machine=\"a\"} * 2 + 1").values.sorted() == [21, 31])
        #expect(try await Self.instant("sms_disk_used_percent > 15").count == 2)
        #expect(try await Self.instant("sms_disk_used_percent > bool 15").values.sorted() == [0, 0, 1, 1])
        #expect(try await Self.instant("2 ^ 3 - 1") == ["scalar": 7])
        #expect(try await Self.instant("sms_disk_used_percent{machine=\"a\"}[10s]").values.sorted() == [11, 11])
    }

    @Test func lookbackEndsFiveMinutesAfterTheLastSample() async throws {
        #expect(try await Self.instant("sms_custom_jobs_total", at: 60_000 + 300_000).count == 2)
        #expect(try await Self.instant("sms_custom_jobs_total", at: 60_000 + 300_001).isEmpty)
    }

    @Test(arguments: [
        ("histogram_quantile(0.9, x)", "function \"histogram_quantile\""),
        ("rate(sms_cpu_usage_percent[5m])", "counters only"),
        ("sms_a offset 5m", "offset"),
        ("sms_a @ 100", "@ modifier"),
        ("sms_a + sms_b", "between two vectors"),
        ("sms_a and sms_b", "set operator"),
        ("bottomk(2, sms_a)", "aggregation \"bottomk\""),
        ("max_over_time(sms_a[5m:1m])", "subqueries"),
        ("\"text\"", "string literals"),
        ("sms_a * on(machine) 2", "vector matching"),
        ("{machine=~\".*\"}", "non-empty matcher"),
        ("1 > 2", "BOOL"),
        ("sum(", "unexpected end"),
    ])
    func unsupportedQueriesAreRefusedByName(_ query: String, _ named: String) async throws {
        do {
            let expr = try PromQLParser.parse(query)
            _ = try await PromQLEngine(source: Self.source).instant(expr, atMs: 60_000)
            Issue.record("\(query) was answered")
        } catch let error as PromQLError {
            #expect(error.description.contains(named), "\(query): \(error)")
        }
    }

    @Test func rangeQueryEvaluatesEveryStep() async throws {
        let series = try await PromQLEngine(source: Self.source).range(
            try PromQLParser.parse("sum(sms_custom_jobs_total)"), startMs: 10_000, endMs: 20_000, stepMs: 5_000)
        #expect(series.count == 1)
        #expect(series.first?.t == [10_000, 15_000, 20_000])
        #expect(series.first?.v == [60, 90, 120])
    }
}
