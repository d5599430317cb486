import Foundation
import GRPCCore
import TestSupport
import Testing

/// A machine's sequence thrown off: by a batch far ahead (a token holder, or a bug), a lost buffer restarting at
/// seq 1, or a buffer restored from an old copy. Before sequence epochs the hub acknowledged every later batch of
/// the real collector as a replay and stored none of them, silently. Now each is noticed and nothing is lost.
extension IngestRejectionTests {
    @Test("a seq far ahead, a lost or a restored buffer: every later batch of the real collector is stored", arguments: [
        "ahead by 2^40 with the collector's epoch", "ahead to 2^53 with no epoch", "buffer lost", "buffer restored from an old copy",
    ])
    func sequenceThrownOff(kind: String) async throws {
        let d = try TempDeployment(machines: ["m"])
        defer { d.remove() }
        var hub = try d.startHub()
        var collector = try d.startCollector("m")
        defer {
            collector.crash()
            hub.crash()
        }
        let buffer = d.dir.appendingPathComponent(".sms/it/data/buffer/m")
        let old = d.dir.appendingPathComponent("old-buffer")
        #expect(await waitFor(timeout: .seconds(30)) { d.ackedSeq("m") >= 3 }, "\(d.logTails())")
        let epochBefore = try epoch(buffer)
        switch kind {
        case "ahead by 2^40 with the collector's epoch", "ahead to 2^53 with no epoch":
            let withEpoch = kind.contains("collector's epoch")
            let seq: UInt64 = withEpoch ? UInt64(d.ackedSeq("m")) + (1 << 40) : 1 << 53
            let forged = await refusal(d, machine: "m", token: d.token("m"), batches: [batch(machine: "m", seq: seq)],
                                       epoch: withEpoch ? String(epochBefore, radix: 16) : nil)
            #expect(forged == nil, "\(String(describing: forged))")
        case "buffer lost":
            await collector.stop()
            try FileManager.default.removeItem(at: buffer)
            collector = try d.startCollector("m")
        default:
            await collector.stop()
            try FileManager.default.copyItem(at: buffer, to: old)
            let copied = d.ackedSeq("m")
            collector = try d.startCollector("m")
            #expect(await waitFor(timeout: .seconds(30)) { d.ackedSeq("m") >= copied + 5 }, "\(d.logTails())")
            await collector.stop()
            try FileManager.default.removeItem(at: buffer)
            try FileManager.default.moveItem(at: old, to: buffer)
            collector = try d.startCollector("m")
        }
        // From now on every sample the collector takes reaches history: it keeps gaining points.
        let mark = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(await waitFor(timeout: .seconds(30)) { try await d.history("m", "cpu.usage_percent").filter { $0.0 > mark }.count >= 5 },
                "no samples stored after the \(kind):\n\(d.logTails(lines: 12))")
        let collectorLog = (try? String(contentsOf: d.log("collector-m"), encoding: .utf8)) ?? ""
        let rotations = collectorLog.components(separatedBy: "starting a new sequence epoch").count - 1
        #expect(rotations == (kind == "buffer lost" ? 0 : 1), "collector started \(rotations) new epochs:\n\(collectorLog.suffix(2000))")
        #expect(try epoch(buffer) != epochBefore)
        #expect(hub.output.contains("collector started a new sequence"), "\(hub.output.suffix(2000))")

        // The epoch is kept by the hub: after a restart the collector resumes in it, and nothing is numbered anew.
        let epochNow = try epoch(buffer)
        await hub.stop()
        hub = try d.startHub()
        let restart = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(await waitFor(timeout: .seconds(30)) { try await d.history("m", "cpu.usage_percent").filter { $0.0 > restart }.count >= 3 },
                "\(d.logTails(lines: 12))")
        #expect(try epoch(buffer) == epochNow)
        #expect(!hub.output.contains("collector started a new sequence"), "\(hub.output.suffix(2000))")
        let times = try await d.history("m", "cpu.usage_percent").map(\.0)
        #expect(Set(times.filter { $0 > mark }).count == times.filter { $0 > mark }.count, "a sample stored twice")
    }

    @Test("seqs beyond any collector's (over 2^53, 2^64-1) and a malformed epoch are refused; the machine's stream goes on")
    func impossibleSeqsRefused() async throws {
        let d = try TempDeployment(machines: ["m"])
        defer { d.remove() }
        let hub = try d.startHub()
        let collector = try d.startCollector("m")
        defer {
            collector.crash()
            hub.crash()
        }
        #expect(await waitFor(timeout: .seconds(30)) { d.ackedSeq("m") >= 2 }, "\(d.logTails())")
        for seq in [(1 << 53) + 1, UInt64(Int64.max) + 1, .max] as [UInt64] {
            let refused = await refusal(d, machine: "m", token: d.token("m"), batches: [batch(machine: "m", seq: seq)])
            #expect(refused?.code == .invalidArgument && refused?.message.contains("beyond any collector's") == true,
                    "seq \(seq): \(String(describing: refused))")
        }
        for bad in ["0", "xyz", "1234567890abcdef0", ""] {
            let refused = await refusal(d, machine: "m", token: d.token("m"), batches: [batch(machine: "m", seq: 1)], epoch: bad)
            #expect(refused?.code == .invalidArgument && refused?.message.contains("sms-epoch") == true, "epoch \(bad): \(String(describing: refused))")
        }
        let mark = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(await waitFor(timeout: .seconds(20)) { try await d.history("m", "cpu.usage_percent").filter { $0.0 > mark }.count >= 3 },
                "\(d.logTails())")
        #expect(!((try? String(contentsOf: d.log("collector-m"), encoding: .utf8)) ?? "").contains("new sequence epoch"))
    }

    /// The buffer's epoch as its file holds it.
    func epoch(_ buffer: URL) throws -> UInt64 {
        let text = try String(contentsOf: buffer.appendingPathComponent("epoch"), encoding: .utf8)
        return try #require(UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
