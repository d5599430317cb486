import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("CollectorSources.memory")
struct CollectorSourcesMemoryTests {
    @Test func parsesThisMachinesMeminfo() throws {
        let info = try #require(MemInfo.parse(try ProcFixture.bytes("real/meminfo")))
        #expect(info.total == 24_684_092 * 1024)
        #expect(info.available == 24_033_364 * 1024)
        #expect(info.buffers == 264_084 * 1024)
        #expect(info.cached == 1_643_204 * 1024)
        #expect(info.swapTotal == 0)
    }

    @Test func usedIsTotalMinusAvailable() throws {
        var source = MemorySource()
        let snapshot = try ProcFixture.collect(&source, "ticks/tick1")
        let kB = 1024.0
        #expect(snapshot.sampled("memory.total_bytes") == 8_000_000 * kB)
        #expect(snapshot.sampled("memory.available_bytes") == 6_000_000 * kB)
        #expect(snapshot.sampled("memory.used_bytes") == 2_000_000 * kB)
        #expect(snapshot.sampled("memory.used_percent") == 25)
        #expect(snapshot.sampled("memory.cached_bytes") == 3_000_000 * kB)
        #expect(snapshot.sampled("memory.buffers_bytes") == 200_000 * kB)
        #expect(snapshot.sampled("swap.total_bytes") == 2_000_000 * kB)
        #expect(snapshot.sampled("swap.used_bytes") == 500_000 * kB)
        #expect(snapshot.sampled("swap.used_percent") == 25)
        #expect(snapshot.samples.count == 9)
    }

    @Test func kernelWithoutMemAvailableEstimatesItAndNoSwapIsZeroPercent() throws {
        var source = MemorySource()
        let snapshot = try ProcFixture.collect(&source, "old_kernel")
        // free 200 + buffers 100 + cached 300 of 1000 kB
        #expect(snapshot.sampled("memory.available_bytes") == 600 * 1024.0)
        #expect(snapshot.sampled("memory.used_bytes") == 400 * 1024.0)
        #expect(snapshot.sampled("swap.used_percent") == 0)
    }

    @Test func meminfoWithoutMemTotalIsAnError() throws {
        var source = MemorySource()
        #expect(throws: MetricSourceError.self) { try ProcFixture.collect(&source, "broken") }
    }
}
