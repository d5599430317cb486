import Foundation
import SwiftProtobuf
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// The wire encoding: lossless, series declared once per stream, layouts not repeated, compact.
@Suite("Wire.StreamCodec")
struct StreamCodecTests {
    func batch(_ seq: UInt64, interfaces: [String] = ["eth0", "wlan0"]) -> Batch {
        var samples = [Sample("cpu.usage_percent", Double(seq) * 1.5), Sample("memory.used_bytes", 8.0e9 + Double(seq))]
        for i in interfaces { samples.append(Sample("net.rx_bytes_per_second", ["interface": i], Double(seq) * 100)) }
        return Batch(machine: "mcrn", seq: seq, snapshot: Snapshot(timestampMs: 1_700_000_000_000 + Int64(seq) * 1000, samples: samples))
    }

    @Test("decoding what was encoded gives the same batches, across a layout change")
    func roundTrip() throws {
        var encoder = StreamEncoder(machine: "mcrn", agentVersion: "0.1.0", specHash: "abc")
        var decoder = StreamDecoder(machine: "mcrn")
        let batches = [batch(1), batch(2), batch(3, interfaces: ["eth0"]), batch(4, interfaces: ["eth0", "docker0"])]
        for b in batches {
            let wire = try Sms_V1_Batch(serializedBytes: try encoder.encode(b).serializedBytes() as [UInt8])
            #expect(try decoder.decode(wire) == b)
        }
    }

    @Test("identity and series go once per stream; an unchanged layout is not resent")
    func compact() throws {
        var encoder = StreamEncoder(machine: "mcrn", agentVersion: "0.1.0", specHash: "abc")
        let first = encoder.encode(batch(1))
        let second = encoder.encode(batch(2))
        #expect(first.machineID == "mcrn" && second.machineID.isEmpty)
        #expect(first.newSeries.count == 4 && second.newSeries.isEmpty && second.layout.isEmpty)
    }

    @Test("a steady batch of 300 samples costs at most 9 bytes per sample on the wire")
    func bytesPerSample() throws {
        var encoder = StreamEncoder(machine: "mcrn", agentVersion: "0.1.0", specHash: "abc")
        let interfaces = (0..<298).map { "if\($0)" }
        _ = encoder.encode(batch(1, interfaces: interfaces))
        let steady: [UInt8] = try encoder.encode(batch(2, interfaces: interfaces)).serializedBytes()
        #expect(Double(steady.count) / 300 <= 9.0, "\(steady.count) bytes for 300 samples")
    }

    @Test("references to undeclared series and mismatched value counts are refused")
    func refusesBadReferences() throws {
        var decoder = StreamDecoder(machine: "mcrn")
        var bad = Sms_V1_Batch()
        bad.seq = 1
        bad.layout = [7]
        bad.values = [1]
        #expect(throws: StreamDecoder.Failure.self) { try decoder.decode(bad) }
        var mismatch = Sms_V1_Batch()
        mismatch.seq = 2
        mismatch.newSeries = [.with { $0.metric = "load.1m" }]
        mismatch.layout = [0]
        mismatch.values = [1, 2]
        #expect(throws: StreamDecoder.Failure.self) { try decoder.decode(mismatch) }
    }
}
