import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("CollectorSources.system")
struct CollectorSourcesSystemTests {
    @Test func parsesUptimeAndTaskCounts() throws {
        #expect(SystemSource.parseUptime(try ProcFixture.bytes("real/uptime")) == 771)
        #expect(TaskCounts.parse(try ProcFixture.bytes("real/stat")) == TaskCounts(running: 2, blocked: 0))
        #expect(TaskCounts.parse(try ProcFixture.bytes("broken/stat")) == nil)
    }

    @Test func countsProcessDirectoriesAndSchedulingEntities() throws {
        var source = SystemSource()
        let snapshot = try ProcFixture.collect(&source, "ticks/tick2")
        #expect(snapshot.sampled("system.uptime_seconds") == 12345.67)
        #expect(snapshot.sampled("system.processes") == 5)
        #expect(snapshot.sampled("system.threads") == 345)
        #expect(snapshot.sampled("system.procs_running") == 3)
        #expect(snapshot.sampled("system.procs_blocked") == 0)
    }

    @Test func leavesTaskCountsToTheCPUSourceWhenItReadsThem() throws {
        var source = SystemSource(readsTaskCounts: false)
        let snapshot = try ProcFixture.collect(&source, "ticks/tick2")
        #expect(snapshot.sampledMetrics == ["system.uptime_seconds", "system.processes", "system.threads"])
    }
}
