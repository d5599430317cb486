import Foundation
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// The /proc and /sys fixture trees under Fixtures/proc, and helpers to run sources over them.
enum ProcFixture {
    /// The absolute path of a fixture tree (`ticks/tick1`) or file.
    static func path(_ relative: String) -> String {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/proc/\(relative)").path
    }

    /// The bytes of a fixture file, as sources hand them to their parsers.
    static func bytes(_ relative: String) throws -> ArraySlice<UInt8> {
        var file = ProcFile()
        return try Array(file.read(path(relative)))[...]
    }

    /// A context reading `root` at `seconds` on the monotonic clock.
    static func context(_ root: String, at seconds: Double = 100, sys: String = "sysfs") -> SourceContext {
        SourceContext(
            procRoot: path(root), sysRoot: path(sys), monotonicSeconds: seconds, wallTimeMs: 1_700_000_000_000)
    }

    /// Runs `source` once over the fixture tree `root` at `seconds`.
    static func collect(_ source: inout some MetricSource, _ root: String, at seconds: Double = 100) throws -> Snapshot
    {
        var snapshot = Snapshot(timestampMs: 0, samples: [])
        try source.collect(into: &snapshot, context: context(root, at: seconds))
        return snapshot
    }

    /// True when `actual` is present and within a rounding error of `expected`.
    static func isClose(_ actual: Double?, _ expected: Double) -> Bool {
        guard let actual else { return false }
        return abs(actual - expected) <= 1e-9 * max(1, abs(expected))
    }

    /// Runs `source` over `<root>/tick1` at t=100 s, then over `<root>/tick2` at t=102 s; returns both snapshots.
    static func twoTicks(_ source: inout some MetricSource, _ root: String) throws -> (Snapshot, Snapshot) {
        let first = try collect(&source, root + "/tick1", at: 100)
        let second = try collect(&source, root + "/tick2", at: 102)
        return (first, second)
    }
}

extension Snapshot {
    /// The value of the series `metric{labels}`, nil when absent.
    func sampled(_ metric: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.series == SeriesKey(metric, labels) }?.value
    }

    /// The values of `metric`'s series keyed by the value of its one label `label`.
    func sampled(_ metric: String, by label: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for sample in samples where sample.series.metric == metric {
            values[sample.series.labels[label] ?? ""] = sample.value
        }
        return values
    }

    /// The distinct metric names present.
    var sampledMetrics: Set<String> { Set(samples.map(\.series.metric)) }
}
