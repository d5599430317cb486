import Foundation
import Logging
import Testing

@testable import Collector
@testable import SMSCore
@testable import Services

/// Your own metrics from `*.prom` files: good lines count, bad ones are reported with file:line, a file too large
/// or with too many series is refused whole, and the other sources never notice.
@Suite("CollectorSources.textfile")
struct CollectorSourcesTextfileTests {
    static let app = """
        # HELP app_queue_depth Jobs waiting.
        # TYPE app_queue_depth gauge
        app_queue_depth{queue="mail"} 12
        app_jobs_done_total{queue="mail",kind="bulk \\"x\\""} 7
        app_jobs_done_total{queue="sms"} 1.5e3 1700000000000
        app_last_run_timestamp_seconds 1.7e9
        this line is { broken
        """

    static func folder(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-textfile-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return dir
    }

    static func collect(_ source: inout TextfileSource) throws -> Snapshot {
        var snapshot = Snapshot(timestampMs: 0, samples: [])
        try source.collect(into: &snapshot, context: SourceContext(monotonicSeconds: 1, wallTimeMs: 0))
        return snapshot
    }

    @Test func goodLinesBecomeCustomSeriesAndABadLineIsReportedWithFileAndLine() throws {
        let dir = try Self.folder(["app.prom": Self.app, "notes.txt": "not read"])
        defer { try? FileManager.default.removeItem(at: dir) }
        var source = TextfileSource(directory: dir.path)
        let snapshot = try Self.collect(&source)
        #expect(snapshot.sampled("custom.app_queue_depth", ["queue": "mail"]) == 12)
        #expect(snapshot.sampled("custom.app_jobs_done_total", ["queue": "sms"]) == 1500)
        #expect(snapshot.sampled("custom.app_last_run_timestamp_seconds") == 1.7e9)
        // A label value with a quote is refused (line 4), like the broken line 7; the file is marked failing.
        #expect(snapshot.sampled("collector.source_success", ["source": "custom:app.prom"]) == 0)
        #expect(snapshot.samples.count == 4)
        let problems = source.takeProblems()
        #expect(problems.count == 2, "\(problems)")
        #expect(problems.first?.hasPrefix("\(dir.path)/app.prom:4: ") == true, "\(problems)")
        #expect(problems.last?.hasPrefix("\(dir.path)/app.prom:7: ") == true, "\(problems)")
        // Reported once per version of the file: the next tick is quiet, a rewrite reports again.
        _ = try Self.collect(&source)
        #expect(source.takeProblems().isEmpty)
        try "app_queue_depth{queue=\"mail\"} 3\n".write(to: dir.appendingPathComponent("app.prom"), atomically: true, encoding: .utf8)
        let fixed = try Self.collect(&source)
        #expect(fixed.sampled("custom.app_queue_depth", ["queue": "mail"]) == 3)
        #expect(fixed.sampled("collector.source_success", ["source": "custom:app.prom"]) == 1)
        #expect(source.takeProblems().isEmpty)
        // A file removed takes its series with it.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("app.prom"))
        #expect(try Self.collect(&source).samples.isEmpty)
    }

    @Test func aTenMegabyteFileIsRefusedWhole() throws {
        let big = String(repeating: "big_metric{i=\"0\"} 1\n", count: 500_000)
        let dir = try Self.folder(["big.prom": big, "small.prom": "ok 1\n"])
        defer { try? FileManager.default.removeItem(at: dir) }
        var source = TextfileSource(directory: dir.path)
        let snapshot = try Self.collect(&source)
        #expect(snapshot.sampled("custom.ok") == 1)
        #expect(snapshot.sampled("collector.source_success", ["source": "custom:big.prom"]) == 0)
        #expect(!snapshot.samples.contains { $0.series.metric == "custom.big_metric" })
        #expect(source.takeProblems() == ["\(dir.path)/big.prom: 10.0 MB; the limit is 1 MiB per file, so it is not read"])
    }

    @Test(arguments: [2_000, 100_000])
    func tooManySeriesAreRefusedWhole(series: Int) throws {
        let text = (0..<series).map { "m{i=\"\($0)\"} 1" }.joined(separator: "\n")
        let dir = try Self.folder(["a.prom": "first 1\n", "many.prom": text])
        defer { try? FileManager.default.removeItem(at: dir) }
        var source = TextfileSource(directory: dir.path)
        let snapshot = try Self.collect(&source)
        #expect(snapshot.sampled("custom.first") == 1)
        #expect(snapshot.sampled("collector.source_success", ["source": "custom:many.prom"]) == 0)
        #expect(!snapshot.samples.contains { $0.series.metric == "custom.m" })
        let problem = source.takeProblems().joined(separator: "\n")
        #expect(problem.contains("many.prom") && (problem.contains("limit of 1000 custom series") || problem.contains("the limit is 1 MiB")), "\(problem)")
    }

    @Test func theOtherSourcesKeepWorkingWhateverTheFolderHolds() throws {
        let dir = try Self.folder(["app.prom": Self.app])
        defer { try? FileManager.default.removeItem(at: dir) }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var sampler = Sampler(groups: [.load, .custom], textfileDir: dir.path, logger: logger)
        let snapshot = sampler.sample(nowMs: 0)
        #expect(snapshot.sampled("load.1m") != nil)
        #expect(snapshot.sampled("custom.app_queue_depth", ["queue": "mail"]) == 12)
        #expect(snapshot.sampled("collector.source_success", ["source": "custom"]) == 1)
        #expect(snapshot.sampled("collector.source_success", ["source": "load"]) == 1)
        // A folder that is gone fails the custom source alone.
        var missing = Sampler(groups: [.load, .custom], textfileDir: dir.path + "/nope", logger: logger)
        let without = missing.sample(nowMs: 0)
        #expect(without.sampled("collector.source_success", ["source": "custom"]) == 0)
        #expect(without.sampled("load.1m") != nil)
    }

    @Test(arguments: [
        ("m{machine=\"x\"} 1", "the label \"machine\" is the hub's own"),
        ("m NaN", "the value must be a finite number"),
        ("m 1 2 3", "unexpected text after the value"),
        ("m{a=\"1\",a=\"2\"} 1", "the label a is given twice"),
        ("9m 1", "expected a metric name"),
        ("m{a=1} 1", "expected a=\"value\""),
        ("m one", "\"one\" is not a number"),
    ])
    func badLinesSayWhatIsWrong(line: String, message: String) {
        let parsed = TextfileFormat.parse(Array(line.utf8)[...], file: "x.prom")
        #expect(parsed.samples.isEmpty)
        #expect(parsed.problems.count == 1 && parsed.problems[0].hasPrefix("x.prom:1: \(message)"), "\(parsed.problems)")
    }
}
