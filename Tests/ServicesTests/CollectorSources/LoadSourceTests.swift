import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("CollectorSources.load")
struct CollectorSourcesLoadTests {
    @Test func parsesThisMachinesLoadavg() throws {
        let load = try #require(LoadAverage.parse(try ProcFixture.bytes("real/loadavg")))
        #expect(load == LoadAverage(one: 2.08, five: 1.96, fifteen: 1.18, running: 2, threads: 149))
    }

    @Test(arguments: ["", "0.50 0.25", "0.50 0.25 0.10 2", "a b c 1/2 3", "0.5 0.2 0.1 2/x 9"])
    func incompleteLoadavgIsRejected(text: String) {
        #expect(LoadAverage.parse(Array(text.utf8)[...]) == nil)
    }

    @Test func reportsTheThreeAverages() throws {
        var source = LoadSource()
        let snapshot = try ProcFixture.collect(&source, "ticks/tick1")
        #expect(
            snapshot.samples == [
                Sample("load.1m", [:], 0.5), Sample("load.5m", [:], 0.25), Sample("load.15m", [:], 0.1),
            ])
        var broken = LoadSource()
        #expect(throws: MetricSourceError.self) { try ProcFixture.collect(&broken, "broken") }
    }
}
