import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("CollectorSources.diskio")
struct CollectorSourcesDiskIOTests {
    @Test func keepsWholeDisksAndSkipsPartitionsLoopAndRAMDevices() throws {
        var table = CounterTable(width: DiskIOSource.Column.allCases.count)
        try DiskIOSource.parse(try ProcFixture.bytes("disks/diskstats"), into: &table, path: "diskstats")
        #expect(table.names == ["sda", "sdaa", "nvme0n1", "mmcblk0", "dm-0", "sr0", "xvda", "md0", "vda", "zram0"])
    }

    @Test func parsesThisMachinesDiskstats() throws {
        var table = CounterTable(width: DiskIOSource.Column.allCases.count)
        try DiskIOSource.parse(try ProcFixture.bytes("real/diskstats"), into: &table, path: "diskstats")
        #expect(table.names == ["vda", "zram0"])
        #expect(table.counters(named: "vda").map(Array.init) == [108_406, 4_873_218, 42232, 6_498_968, 23248])
    }

    @Test func twoTicksGiveExactRates() throws {
        var source = DiskIOSource()
        let (first, second) = try ProcFixture.twoTicks(&source, "ticks")
        #expect(first.samples.isEmpty)
        let sda = ["device": "sda"]
        // over 2 s: 200 reads of 4000 sectors, 100 writes of 1000 sectors, 500 ms busy
        #expect(second.sampled("diskio.read_bytes_per_second", sda) == 4000 * 512 / 2.0)
        #expect(second.sampled("diskio.write_bytes_per_second", sda) == 1000 * 512 / 2.0)
        #expect(second.sampled("diskio.reads_per_second", sda) == 100)
        #expect(second.sampled("diskio.writes_per_second", sda) == 50)
        #expect(second.sampled("diskio.busy_percent", sda) == 25)
        #expect(second.sampled("diskio.busy_percent", ["device": "nvme0n1"]) == 0)
        #expect(Set(second.samples.map { $0.series.labels["device"] }) == ["sda", "nvme0n1"])
    }

    @Test func a32BitWrapIsARateAndAResetIsNone() throws {
        var source = DiskIOSource()
        let (_, second) = try ProcFixture.twoTicks(&source, "wrap")
        // io_ticks 4294967000 → 704 is 1000 ms in 2 s; sdb's counters fell from 5000 reads to 3: re-attached
        #expect(second.sampled("diskio.busy_percent", ["device": "sda"]) == 50)
        #expect(second.sampled("diskio.reads_per_second", ["device": "sda"]) == 0)
        #expect(second.samples.allSatisfy { $0.series.labels["device"] == "sda" })
    }

    @Test func aShortLineIsAnError() throws {
        var source = DiskIOSource()
        #expect(throws: MetricSourceError.self) { try ProcFixture.collect(&source, "broken") }
    }
}
