import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("CollectorSources.net")
struct CollectorSourcesNetTests {
    private func parse(_ fixture: String) throws -> CounterTable {
        var table = CounterTable(width: NetSource.columns.count)
        var fields: [UInt64] = []
        try NetSource.parse(try ProcFixture.bytes(fixture), into: &table, fields: &fields, path: fixture)
        return table
    }

    @Test func parsesThisMachinesInterfacesExceptLoopback() throws {
        let table = try parse("real/net/dev")
        #expect(table.names == ["ifb0", "ifb1", "eth0"])
        // rx bytes, tx bytes, rx packets, tx packets, rx errs, tx errs, rx drop, tx drop
        #expect(table.counters(named: "eth0").map(Array.init) == [193_504_805, 153_159, 3738, 1986, 0, 0, 0, 0])
    }

    @Test func readsCountersGluedToTheInterfaceName() throws {
        let table = try parse("wrap/tick1/net/dev")
        #expect(table.counters(named: "bond0")?.first == 10_000_000_000)
        #expect(table.counters(named: "wlan0")?.first == 18_446_744_073_709_551_000)
    }

    @Test func twoTicksGiveExactRates() throws {
        var source = NetSource()
        let (first, second) = try ProcFixture.twoTicks(&source, "ticks")
        #expect(first.samples.isEmpty)
        let expected: [String: Double] = [
            "net.rx_bytes_per_second": 10000, "net.tx_bytes_per_second": 3000,
            "net.rx_packets_per_second": 20, "net.tx_packets_per_second": 5,
            "net.rx_errors_per_second": 0, "net.tx_errors_per_second": 0,
            "net.rx_drops_per_second": 1, "net.tx_drops_per_second": 0.5,
        ]
        for (metric, rate) in expected {
            #expect(second.sampled(metric, ["interface": "eth0"]) == rate, "\(metric)")
        }
        // lo is never reported; docker0 appeared in tick 2, so it has no rate yet
        #expect(second.samples.count == 8)
    }

    @Test func wrapsGiveTheTrueIncreaseAndResetsGiveNoRate() throws {
        var source = NetSource()
        let (_, second) = try ProcFixture.twoTicks(&source, "wrap")
        let rx = second.sampled("net.rx_bytes_per_second", by: "interface")
        // eth0: 32-bit wrap, 4294967000 → 704 is 1000 bytes; wlan0: 64-bit wrap of 1116 bytes
        #expect(rx == ["eth0": 500, "bond0": 1000, "wlan0": 558])
        // veth1 and tun0 were re-created: tun0's bytes alone could pass for a wrap, its packets cannot
        #expect(second.sampled("net.rx_packets_per_second", ["interface": "tun0"]) == nil)
    }
}
