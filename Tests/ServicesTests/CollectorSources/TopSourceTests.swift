import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("CollectorSources.top")
struct CollectorSourcesTopTests {
    @Test func parsesThisMachinesProcessStats() throws {
        let initProcess = try #require(ProcessStat.parse(try ProcFixture.bytes("real/1/stat")))
        #expect(initProcess == ProcessStat(pid: 1, name: "process_api", ticks: 89 + 372, startTime: 26, rssPages: 3531, threads: 13))
        let shell = try #require(ProcessStat.parse(try ProcFixture.bytes("real/1298/stat")))
        #expect(shell == ProcessStat(pid: 1298, name: "bash", ticks: 16, startTime: 5487, rssPages: 1020))
    }

    @Test func aNameWithSpacesAndParenthesesDoesNotShiftTheFields() throws {
        let stat = try #require(ProcessStat.parse(try ProcFixture.bytes("ticks/tick2/400/stat")))
        #expect(stat == ProcessStat(pid: 400, name: "my (weird) name", ticks: 20, startTime: 5000, rssPages: 256))
    }

    @Test(arguments: ["", "12 (x", "12 (x) S 1 2 3", "x (y) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 6 7"])
    func incompleteLinesAreRejected(text: String) {
        #expect(ProcessStat.parse(Array(text.utf8)[...]) == nil)
    }

    @Test func twoTicksGiveCPUPerProcessFromClockTicks() throws {
        var source = TopSource(ticksPerSecond: 100, pageSize: 4096)
        let (first, second) = try ProcFixture.twoTicks(&source, "ticks")
        #expect(first.top.isEmpty)
        #expect(first.samples.isEmpty && second.samples.isEmpty)
        // over 2 s at 100 ticks/s: db +100 ticks, app +70, the new process 400 all its 20, pid 300 reused: all 4
        #expect(
            second.top == [
                TopProcess(pid: 200, name: "db", cpuPercent: 50, memoryBytes: 25600 * 4096),
                TopProcess(pid: 100, name: "app", cpuPercent: 35, memoryBytes: 2560 * 4096),
                TopProcess(pid: 400, name: "my (weird) name", cpuPercent: 10, memoryBytes: 256 * 4096),
                TopProcess(pid: 300, name: "new", cpuPercent: 2, memoryBytes: 50 * 4096),
            ])
    }

    @Test func keepsTheTenBusiestAndTheTenLargest() throws {
        var source = TopSource(ticksPerSecond: 100, pageSize: 4096)
        let (_, second) = try ProcFixture.twoTicks(&source, "top_many")
        // process i used i+1 ticks in 2 s and holds (25-i)*100 pages
        #expect(second.top.map(\.pid) == Array((1015...1024).reversed()) + Array(1000...1009))
        #expect(second.top.first == TopProcess(pid: 1024, name: "p24", cpuPercent: 12.5, memoryBytes: 100 * 4096))
        #expect(second.top.last?.cpuPercent == 5)
    }
}
