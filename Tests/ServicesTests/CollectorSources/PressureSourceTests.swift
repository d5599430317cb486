import Foundation
import Testing

@testable import Collector
@testable import SMSCore
@testable import Services

@Suite("CollectorSources.pressure")
struct CollectorSourcesPressureTests {
    @Test func sharesOfTheIntervalComeFromTheTotalsAndAvg10FromTheKernel() throws {
        var source = PressureSource()
        let (first, second) = try ProcFixture.twoTicks(&source, "ticks")
        // The first tick has no previous total: only the kernel's averages.
        #expect(first.sampled("pressure.cpu_some_avg10_percent") == 1.5)
        #expect(first.sampled("pressure.cpu_some_percent") == nil)
        // cpu: 300,000 µs stalled in 2 s; memory: 100,000 and 40,000 µs; io: none.
        #expect(ProcFixture.isClose(second.sampled("pressure.cpu_some_percent"), 15))
        #expect(second.sampled("pressure.cpu_some_avg10_percent") == 2.5)
        #expect(ProcFixture.isClose(second.sampled("pressure.memory_some_percent"), 5))
        #expect(ProcFixture.isClose(second.sampled("pressure.memory_full_percent"), 2))
        #expect(second.sampled("pressure.memory_full_avg10_percent") == 3)
        #expect(second.sampled("pressure.io_some_percent") == 0 && second.sampled("pressure.io_full_percent") == 0)
        #expect(second.samples.count == 12)
    }

    @Test func aKernelWithoutPressureReportsNothingAndDoesNotFail() throws {
        var source = PressureSource()
        let snapshot = try ProcFixture.collect(&source, "old_kernel")
        #expect(snapshot.samples.isEmpty)
    }

    @Test func aMalformedFileIsAnErrorThatNamesIt() {
        var source = PressureSource()
        #expect {
            try ProcFixture.collect(&source, "broken")
        } throws: { error in
            (error as? MetricSourceError)?.path.hasSuffix("pressure/cpu") == true
        }
    }

    /// Reads this machine's /proc/pressure/<resource> the way a person would: `cat`.
    static func file(_ resource: String) throws -> PressureReading {
        let text = try String(contentsOfFile: "/proc/pressure/\(resource)", encoding: .utf8)
        return try #require(PressureReading.parse(Array(text.utf8)[...]))
    }

    static func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The file read before the first and after the second tick brackets what the source saw: its stalled time
    /// is at most the file's over the longer span, and short of it by no more than the time outside the ticks.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/pressure/cpu")), arguments: ["cpu", "memory", "io"])
    func agreesWithThisMachinesFile(resource: String) async throws {
        var source = PressureSource()
        let keyPercent = "pressure.\(resource)_some_percent", keyAvg = "pressure.\(resource)_some_avg10_percent"
        let startA = Self.monotonic()
        let before = try Self.file(resource)
        var first = Snapshot(timestampMs: 0, samples: [])
        let t1 = Self.monotonic()
        try source.collect(into: &first, context: SourceContext(monotonicSeconds: t1, wallTimeMs: 0))
        try await Task.sleep(for: .seconds(1))
        var second = Snapshot(timestampMs: 0, samples: [])
        let t2 = Self.monotonic()
        try source.collect(into: &second, context: SourceContext(monotonicSeconds: t2, wallTimeMs: 0))
        let afterRead = Self.monotonic()
        let after = try Self.file(resource)
        let endB = Self.monotonic()
        let percent = try #require(second.sampled(keyPercent))
        let seen = percent / 100 * (t2 - t1)
        let fileSpan = Double(after.some.totalMicroseconds - before.some.totalMicroseconds) / 1e6
        let outside = (t1 - startA) + (endB - afterRead) + 0.002
        // The percent is kept to five digits: it may read up to 0.005% of itself high.
        #expect(seen <= fileSpan * (1 + 5e-5) + 1e-6 && fileSpan - seen <= outside,
                "\(resource): the source saw \(seen) s stalled, the file \(fileSpan) s over a span \(outside) s longer")
        // avg10 is updated every 2 s: the sample, read microseconds before the second `cat`, holds its value (or,
        // when an update fell in between, the value the first `cat` saw).
        let avg = try #require(second.sampled(keyAvg))
        #expect(avg == after.some.avg10 || avg == before.some.avg10, "\(resource): \(avg) vs \(before.some.avg10) … \(after.some.avg10)")
    }
}
