import Foundation
import TestSupport
import Testing

/// The collector's buffer disk full while the hub is healthy or away: before, every sample was lost silently and
/// the log blamed the network ("Transport endpoint is not connected").
@Suite("Collector.DiskFull", .serialized)
struct CollectorDiskFullTests {
    @Test("buffer disk full: samples still reach the hub, through a hub restart, with the real reason logged; freed space is used again", arguments: [
        "all-roles collector", "lean sms-collector",
    ])
    func fullBufferDisk(binary: String) async throws {
        let d = try TempDeployment(machines: ["m"])
        defer { d.remove() }
        let disk = try TinyDisk(path: d.dir.appendingPathComponent(".sms/it/data/buffer").path, bytes: 512 * 1024)
        defer { disk.unmount() }
        var hub = try d.startHub()
        let collector = binary.hasPrefix("lean") ? try d.startLeanCollector("m") : try d.startCollector("m")
        defer {
            collector.crash()
            hub.crash()
        }
        #expect(await waitFor(timeout: .seconds(30)) { d.ackedSeq("m") >= 2 }, "\(d.logTails())")
        disk.fill()
        #expect(await waitFor(timeout: .seconds(30)) { collector.output.lowercased().contains("no space left") },
                "\(collector.output.suffix(2000))")
        // Streaming goes on from memory: history keeps gaining samples.
        let full = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(await waitFor(timeout: .seconds(20)) { try await d.history("m", "cpu.usage_percent").filter { $0.0 > full }.count >= 3 },
                "\(d.logTails(lines: 12))")

        // The hub away for a while with the disk still full: the samples of that time wait in memory and arrive.
        await hub.stop()
        let away = Int64(Date().timeIntervalSince1970 * 1000)
        try await Task.sleep(for: .seconds(5))  // the outage being simulated, not a wait for a condition
        hub = try d.startHub()
        let back = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(await waitFor(timeout: .seconds(30)) { try await d.history("m", "cpu.usage_percent").filter { $0.0 > back }.count >= 2 },
                "\(d.logTails(lines: 12))")
        let seconds = try await d.history("m", "cpu.usage_percent").map(\.0).filter { $0 >= away && $0 <= back }
        let expected = Int((back - away) / 1000)
        #expect(seconds.count >= expected - 1, "\(seconds.count) samples stored for the \(expected) s the hub was away")
        let dropped = try await d.history("m", "collector.buffer_dropped_batches").map(\.1)
        #expect(!dropped.isEmpty && dropped.allSatisfy { $0 == 0 }, "\(dropped)")

        let log = collector.output
        #expect(!log.contains("Transport endpoint"), "\(log.suffix(2000))")
        #expect(log.contains("batches wait in memory"), "\(log.suffix(2000))")
        // Space again: the buffer says so and writes to disk.
        disk.free()
        #expect(await waitFor(timeout: .seconds(10)) { collector.output.contains("buffer writable again") }, "\(collector.output.suffix(2000))")
    }
}
