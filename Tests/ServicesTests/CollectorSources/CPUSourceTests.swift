import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("CollectorSources.cpu")
struct CollectorSourcesCPUTests {
    @Test func parsesThisMachinesStat() throws {
        let stat = try #require(CPUStat.parse(try ProcFixture.bytes("real/stat")))
        #expect(stat.total == [89038, 0, 14718, 48579, 758, 0, 171, 603])
        #expect(stat.coreIDs == [0, 1])
        #expect(Array(stat.core(1)) == [48606, 0, 7599, 19790, 506, 0, 158, 344])
        #expect(stat.procsRunning == 2)
        #expect(stat.procsBlocked == 0)
    }

    @Test func oldKernelWithFourFieldsCountsMissingModesAsZero() throws {
        let stat = try #require(CPUStat.parse(try ProcFixture.bytes("old_kernel/stat")))
        #expect(stat.total == [100, 5, 50, 1000, 0, 0, 0, 0])
        #expect(stat.coreIDs == [0])
    }

    @Test func statWithoutCPULineIsAnError() throws {
        #expect(CPUStat.parse(try ProcFixture.bytes("broken/stat")) == nil)
        var source = CPUSource()
        #expect(throws: MetricSourceError.self) { try ProcFixture.collect(&source, "broken") }
    }

    @Test func firstTickHasOnlyTheCoreCount() throws {
        var source = CPUSource()
        let first = try ProcFixture.collect(&source, "ticks/tick1")
        #expect(first.samples == [Sample("cpu.count", [:], 2)])
    }

    @Test func twoTicksGiveExactPercentages() throws {
        var source = CPUSource()
        let (_, second) = try ProcFixture.twoTicks(&source, "ticks")
        // all cores: 400 jiffies of which user 70, system 20, idle 280, iowait 20, softirq 10
        let modes = second.sampled("cpu.mode_percent", by: "mode")
        let expected = [
            "user": 17.5, "nice": 0, "system": 5, "idle": 70, "iowait": 5, "irq": 0, "softirq": 2.5, "steal": 0,
        ]
        #expect(modes.keys.sorted() == expected.keys.sorted())
        for (mode, percent) in expected {
            #expect(ProcFixture.isClose(modes[mode], percent), "\(mode)")
        }
        #expect(ProcFixture.isClose(second.sampled("cpu.usage_percent"), 25))
        // cpu0: user 60, system 20, idle 100, iowait 20 of 200; cpu1: user 10, idle 180, softirq 10 of 200
        #expect(ProcFixture.isClose(second.sampled("cpu.core_usage_percent", ["core": "0"]), 40))
        #expect(ProcFixture.isClose(second.sampled("cpu.core_usage_percent", ["core": "1"]), 10))
        #expect(ProcFixture.isClose(second.sampled("cpu.core_mode_percent", ["core": "0", "mode": "user"]), 30))
        #expect(ProcFixture.isClose(second.sampled("cpu.core_mode_percent", ["core": "1", "mode": "softirq"]), 5))
        #expect(second.samples.count == 1 + 9 + 2 * 9)
        #expect(second.sampled("system.procs_running") == nil)
    }

    @Test func reportsTaskCountsWhenAskedToStandInForTheSystemSource() throws {
        var source = CPUSource(reportsTaskCounts: true)
        let (first, second) = try ProcFixture.twoTicks(&source, "ticks")
        #expect(first.sampled("system.procs_running") == 2)
        #expect(first.sampled("system.procs_blocked") == 1)
        #expect(second.sampled("system.procs_running") == 3)
        #expect(second.sampled("system.procs_blocked") == 0)
    }

    @Test func manyCoresEachGetTheirOwnSeries() throws {
        var source = CPUSource()
        let (first, second) = try ProcFixture.twoTicks(&source, "many_cores")
        #expect(first.sampled("cpu.count") == 64)
        let usage = second.sampled("cpu.core_usage_percent", by: "core")
        #expect(usage.count == 64)
        for core in 0..<64 {
            #expect(ProcFixture.isClose(usage[String(core)], Double(core)), "core \(core)")
        }
        #expect(ProcFixture.isClose(second.sampled("cpu.usage_percent"), 31.5))
        #expect(second.samples.count == 1 + 9 + 64 * 9)
    }

    @Test(
        arguments: [
            ([10, 0, 0, 10, 5, 0, 0, 0], [10, 0, 0, 10, 5, 0, 0, 0], nil),
            ([10, 0, 0, 10, 5, 0, 0, 0], [20, 0, 0, 20, 3, 0, 0, 0], 50.0),
        ] as [([UInt64], [UInt64], Double?)])
    func noTimePassedGivesNoRateAndAFallingModeCountsAsZero(before: [UInt64], after: [UInt64], usage: Double?) {
        var out: [Double] = []
        let ok = CPUStat.percentages(from: before[...], to: after[...], into: &out)
        #expect(ok == (usage != nil))
        if let usage {
            #expect(out.last == usage)
            #expect(out[CPUSource.iowait] == 0)
        }
    }
}
