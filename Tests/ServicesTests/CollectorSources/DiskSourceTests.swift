import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("CollectorSources.disk")
struct CollectorSourcesDiskTests {
    @Test func thisMachineHasOnlyItsRootDisk() throws {
        let mounts = MountTable.parse(try ProcFixture.bytes("real/self/mounts"))
        #expect(mounts == [Mount(device: "/dev/vda", path: "/", type: "ext4")])
    }

    @Test func keepsRealFilesystemsOncePerDeviceAndTheContainersOverlayRoot() throws {
        let mounts = MountTable.parse(try ProcFixture.bytes("mounts/self/mounts"))
        #expect(mounts.map(\.path) == ["/", "/data", "/mnt/my disk", "/home", "/mnt/nfs"])
        #expect(mounts.map(\.device) == ["overlay", "/dev/sda1", "/dev/sdb1", "/dev/mapper/vg-home", "server:/export"])
    }

    @Test(arguments: [
        ("/dev/sda1", "/", "ext4", true), ("overlay", "/", "overlay", true), ("overlay", "/x", "overlay", false),
        ("tmpfs", "/tmp", "tmpfs", false), ("/dev/sdb", "/sys/kernel/x", "ext4", false),
        ("/dev/sdb", "/device", "ext4", true), ("/dev/sdb", "/dev", "ext4", false),
    ])
    func tellsRealFilesystems(device: String, path: String, type: String, real: Bool) {
        #expect(MountTable.isReal(Mount(device: device, path: path, type: type)) == real)
    }

    @Test func decodesOctalEscapes() {
        #expect(MountTable.unescape(Array(#"/a\040b\011c\134d\0"#.utf8)[...]) == "/a b\tc\\d\\0")
    }

    @Test func computesSizesFromStatvfsAndSkipsMountsItCannotStat() throws {
        let stats: [String: FilesystemStats] = [
            "/": FilesystemStats(
                blockSize: 4096, blocks: 1000, blocksFree: 300, blocksAvailable: 250, files: 100, filesFree: 40),
            "/data": FilesystemStats(
                blockSize: 1024, blocks: 10, blocksFree: 10, blocksAvailable: 10, files: 0, filesFree: 0),
            "/mnt/my disk": FilesystemStats(
                blockSize: 512, blocks: 0, blocksFree: 0, blocksAvailable: 0, files: 1, filesFree: 1),
        ]
        var source = DiskSource(statfs: { stats[$0] })
        let snapshot = try ProcFixture.collect(&source, "mounts")
        let root = ["mount": "/"]
        #expect(snapshot.sampled("disk.total_bytes", root) == 4_096_000)
        #expect(snapshot.sampled("disk.used_bytes", root) == 700 * 4096.0)
        #expect(snapshot.sampled("disk.free_bytes", root) == 250 * 4096.0)
        #expect(snapshot.sampled("disk.used_percent", root) == 73.684)  // 700 / 950, to five digits
        #expect(snapshot.sampled("disk.inodes_used_percent", root) == 60)
        #expect(snapshot.sampled("disk.used_percent", ["mount": "/data"]) == 0)
        #expect(snapshot.sampled("disk.inodes_used_percent", ["mount": "/data"]) == nil)
        #expect(snapshot.sampled("disk.used_percent", ["mount": "/mnt/my disk"]) == 0)
        #expect(snapshot.sampled("disk.total_bytes", ["mount": "/home"]) == nil)
        #expect(snapshot.samples.count == 5 + 4 + 5)
    }

    @Test func statvfsOfThisMachinesRootIsPlausible() throws {
        let stats = try #require(FilesystemStats.system("/"))
        #expect(stats.blocks > 0)
        #expect(stats.blocksFree <= stats.blocks)
    }
}
