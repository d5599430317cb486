import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("CollectorSources.counters")
struct CollectorSourcesCounterTests {
    @Test(
        arguments: [
            (10, 15, 5), (0, 0, 0),
            (4_294_967_000, 704, 1000),  // 32-bit wrap
            (UInt64.max - 9, 5, 15),  // 64-bit wrap
            (5000, 100, nil),  // small counter went back: reset
            (10_000_000_000, 100, nil),  // 64-bit counter went back: reset
            (1 << 40, 1 << 39, nil),
        ] as [(UInt64, UInt64, UInt64?)])
    func increaseTellsWrapsFromResets(previous: UInt64, current: UInt64, increase: UInt64?) {
        #expect(CounterDelta.increase(from: previous, to: current) == increase)
    }

    @Test func ratesNeedTheSameEntityTimeToPassAndNoReset() {
        var before = CounterTable(width: 2)
        before.appendRow("a")
        before.appendCounter(10)
        before.appendCounter(20)
        before.time = 10
        var after = CounterTable(width: 2)
        after.appendRow("b")
        after.appendCounter(1)
        after.appendCounter(1)
        after.appendRow("a")
        after.appendCounter(30)
        after.appendCounter(20)
        after.time = 14
        var rates: [Double] = []
        #expect(before.rates(to: after, row: 1, into: &rates))
        #expect(rates == [5, 0])
        #expect(!before.rates(to: after, row: 0, into: &rates))
        after.time = 10
        #expect(!before.rates(to: after, row: 1, into: &rates))
    }
}
