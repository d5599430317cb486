import Foundation
import Logging
import TestSupport
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// The collector's durable buffer: nothing written is lost to a crash, overflow drops the oldest and counts them.
@Suite("Collector.DiskBuffer")
struct DiskBufferTests {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-buffer-\(UUID().uuidString)")
    let logger = Logger(label: "test")

    func snapshot(_ t: Int64, _ v: Double) -> Snapshot {
        Snapshot(
            timestampMs: t,
            samples: [Sample("cpu.usage_percent", v), Sample("disk.used_percent", ["mount": "/"], v / 2)],
            top: [TopProcess(pid: 42, name: "swift-build", cpuPercent: 12.5, memoryBytes: 1 << 20)])
    }

    @Test("batches written survive a crash (reopened without closing) bit for bit")
    func survivesCrash() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        var buffer: DiskBuffer? = try DiskBuffer(directory: dir, logger: logger)
        for i in 1...50 { buffer!.append(snapshot(1_700_000_000_000 + Int64(i) * 1000, Double(i) + 0.1)) }
        buffer = nil  // no flush, no close: what a SIGKILL leaves
        let reopened = try DiskBuffer(directory: dir, logger: logger)
        let batches = try reopened.batches(after: 0, machine: "m", limit: 1000)
        #expect(batches.map(\.seq) == Array(1...50))
        #expect(batches[9].snapshot == snapshot(1_700_000_010_000, 10.1))
        #expect(reopened.nextSeq == 51)
    }

    @Test("a torn last record is dropped and the buffer keeps working")
    func tornTail() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let buffer = try DiskBuffer(directory: dir, logger: logger)
        for i in 1...3 { buffer.append(snapshot(Int64(i) * 1000, 1)) }
        let segment = try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasPrefix("seg-") }!
        let handle = try FileHandle(forWritingTo: dir.appendingPathComponent(segment))
        handle.seekToEndOfFile()
        handle.write(Data([40, 0, 0, 0, 1, 2, 3, 4, 5]))  // a header promising 40 bytes, then the power went out
        try handle.close()
        let reopened = try DiskBuffer(directory: dir, logger: logger)
        #expect(try reopened.batches(after: 0, machine: "m").map(\.seq) == [1, 2, 3])
        reopened.append(snapshot(4000, 4))
        #expect(try DiskBuffer(directory: dir, logger: logger).batches(after: 0, machine: "m").map(\.seq) == [1, 2, 3, 4])
    }

    @Test("acknowledged segments are deleted and numbering continues after a restart")
    func acknowledgeAndContinue() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let limits = DiskBuffer.Limits(segmentBytes: 4096)
        let buffer = try DiskBuffer(directory: dir, limits: limits, logger: logger)
        for i in 1...200 { buffer.append(snapshot(Int64(i) * 1000, Double(i))) }
        let before = buffer.bytesOnDisk
        buffer.acknowledge(200)
        #expect(buffer.backlog == 0)
        #expect(buffer.bytesOnDisk < before / 4)
        let reopened = try DiskBuffer(directory: dir, limits: limits, logger: logger)
        #expect(reopened.nextSeq == 201)
        #expect(try reopened.batches(after: reopened.acknowledged, machine: "m").isEmpty)
    }

    @Test("the acknowledged seq survives a restart, rewritten in place, and the older text form still reads")
    func acknowledgedSeqPersists() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let buffer = try DiskBuffer(directory: dir, logger: logger)
        for i in 1...30 { buffer.append(snapshot(Int64(i) * 1000, Double(i))) }
        buffer.acknowledge(9)
        buffer.acknowledge(17)
        let reopened = try DiskBuffer(directory: dir, logger: logger)
        #expect(reopened.acknowledged == 17)
        #expect(reopened.backlog == 13)
        #expect(try reopened.batches(after: reopened.acknowledged, machine: "m").first?.seq == 18)
        // Earlier versions wrote "17\n" with an atomic rename.
        try Data("12\n".utf8).write(to: dir.appendingPathComponent("acked"))
        #expect(try DiskBuffer(directory: dir, logger: logger).acknowledged == 12)
    }

    @Test("a buffer has its own sequence epoch, kept across restarts; a hub acknowledging beyond the last batch drops nothing and a new epoch is kept")
    func sequenceEpoch() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let buffer = try DiskBuffer(directory: dir, logger: logger)
        let first = buffer.epoch
        #expect(first != 0)
        for i in 1...10 { buffer.append(snapshot(Int64(i) * 1000, Double(i))) }
        #expect(buffer.acknowledge(4))
        for ahead in [11, 1 << 40, .max] as [UInt64] {
            #expect(!buffer.acknowledge(ahead), "acknowledged \(ahead) after seq 10")
            #expect(buffer.acknowledged == 4 && buffer.backlog == 6)
        }
        #expect(try DiskBuffer(directory: dir, logger: logger).epoch == first)
        let next = try buffer.startNewEpoch()
        #expect(next != first && buffer.epoch == next)
        let reopened = try DiskBuffer(directory: dir, logger: logger)
        #expect(reopened.epoch == next && reopened.nextSeq == 11 && reopened.backlog == 6)
        // A lost buffer is a new one: another epoch, numbering from 1.
        try FileManager.default.removeItem(at: dir)
        let fresh = try DiskBuffer(directory: dir, logger: logger)
        #expect(fresh.epoch != next && fresh.epoch != first && fresh.nextSeq == 1)
    }

    @Test("a full disk: batches wait in memory and are still served in order, up to the cap; beyond it the oldest are dropped and counted exactly; freed space is used again", arguments: [
        "full from the first batch", "fills up after 20 batches", "full, and new series keep appearing",
    ])
    func fullDisk(when: String) throws {
        let disk = try TinyDisk(path: dir.path, bytes: 256 * 1024)
        defer { disk.unmount(); try? FileManager.default.removeItem(at: dir) }
        // Room for ~20 held batches of this size (64 + 3 × 48 + 96 bytes each).
        let limits = DiskBuffer.Limits(segmentBytes: 4096, memoryBytes: 304 * 20)
        let buffer = try DiskBuffer(directory: dir, limits: limits, logger: logger)
        var appended: UInt64 = 0
        func add(_ n: Int) {
            for _ in 0..<n {
                appended += 1
                var s = snapshot(Int64(appended) * 1000, Double(appended))
                // A series never seen before needs a write to the catalog file too.
                s.samples.append(Sample(when.contains("new series") ? "new.series_\(appended)" : "steady.series", 1))
                buffer.append(s)
            }
        }
        if when.contains("after 20") { add(20) }
        disk.fill()
        // The last page the buffer's files hold may still take a few records; then the disk refuses.
        var tries = 0
        while buffer.failure == nil && tries < 500 {
            add(1)
            tries += 1
        }
        let failure = buffer.failure ?? ""
        #expect(failure.lowercased().contains("no space left"), "\(failure)")
        add(5)
        #expect(buffer.droppedBatches == 0)
        // Everything is served, in order, from disk then memory.
        #expect(try buffer.batches(after: 0, machine: "m", limit: 10_000).map(\.seq) == Array(1...appended))
        #expect(try buffer.batches(after: appended - 4, machine: "m", limit: 2).map(\.seq) == [appended - 3, appended - 2])
        // Past the memory cap the oldest held batches go, each one counted.
        add(40)
        let served = try buffer.batches(after: 0, machine: "m", limit: 10_000).map(\.seq)
        #expect(buffer.droppedBatches > 0)
        #expect(UInt64(served.count) + buffer.droppedBatches == appended, "every batch is either served or counted")
        #expect(served.last == appended && served == served.sorted())
        #expect(buffer.backlog == UInt64(served.count))
        // The hub acknowledges: held batches go too.
        #expect(buffer.acknowledge(appended - 2))
        #expect(try buffer.batches(after: buffer.acknowledged, machine: "m").map(\.seq) == [appended - 1, appended])
        // Space again: the next batches are written to disk, and survive a restart.
        disk.free()
        add(2)
        #expect(buffer.failure == nil)
        let reopened = try DiskBuffer(directory: dir, limits: limits, logger: logger)
        #expect(try reopened.batches(after: appended - 2, machine: "m").map(\.seq) == [appended - 1, appended])
        #expect(reopened.droppedBatches == buffer.droppedBatches)
    }

    @Test("overflow drops the oldest batches and counts exactly what it dropped", arguments: [false, true])
    func overflowCounts(byAge: Bool) throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let limits = byAge
            ? DiskBuffer.Limits(maxAgeMs: 60_000, maxBytes: 1 << 30, segmentBytes: 4096)
            : DiskBuffer.Limits(maxAgeMs: .max / 2, maxBytes: 16_384, segmentBytes: 4096)
        let buffer = try DiskBuffer(directory: dir, limits: limits, logger: logger)
        buffer.acknowledge(0)
        for i in 1...600 { buffer.append(snapshot(Int64(i) * 1000, Double(i))) }
        let kept = try buffer.batches(after: 0, machine: "m", limit: 10_000).map(\.seq)
        #expect(buffer.droppedBatches > 0)
        #expect(kept.first == buffer.droppedBatches + 1, "the oldest are the ones dropped")
        #expect(UInt64(kept.count) + buffer.droppedBatches == 600, "every batch is either kept or counted")
        #expect(kept == Array(kept.first!...600))
        if byAge { #expect(kept.count >= 60) }
        #expect(try DiskBuffer(directory: dir, limits: limits, logger: logger).droppedBatches == buffer.droppedBatches)
    }

    @Test("the age limit holds with segments far from full: a 1 m buffer of small batches keeps 60–68 s")
    func ageLimitWithRoomySegments() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let buffer = try DiskBuffer(directory: dir, limits: DiskBuffer.Limits(maxAgeMs: 60_000), logger: logger)
        buffer.acknowledge(0)
        for i in 1...300 { buffer.append(snapshot(Int64(i) * 1000, Double(i))) }
        let kept = try buffer.batches(after: 0, machine: "m", limit: 10_000).map(\.seq)
        #expect((60...68).contains(kept.count), "kept \(kept.count) s of batches")
        #expect(UInt64(kept.count) + buffer.droppedBatches == 300)
    }
}
