import NIOCore
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// Batches with awkward values, labels and top processes, as the bus tests publish them.
enum LiveEventFixtures {
    static let awkwardValues: [Double] = [
        .nan, -.nan, Double(bitPattern: 0x7FF8_0000_0000_BEEF), -0.0, 0, .infinity, -.infinity, .leastNonzeroMagnitude,
        .greatestFiniteMagnitude, 1.0 / 3.0, -12.5,
    ]

    static func batch(_ machine: String = "rocinante", seq: UInt64 = 7) -> Batch {
        var samples = awkwardValues.enumerated().map { Sample("test.value", ["i": "\($0.offset)"], $0.element) }
        samples.append(Sample("disk.used_percent", ["mount": "/", "device": "sda1 \"quoted\" ünï"], 42))
        samples.append(Sample("cpu.usage_percent", 12.25))
        let top = [
            TopProcess(pid: 1, name: "init", cpuPercent: 0.1, memoryBytes: 1 << 20),
            TopProcess(pid: Int32.max, name: "", cpuPercent: -.nan, memoryBytes: .max),
        ]
        return Batch(
            machine: machine, seq: seq, snapshot: Snapshot(timestampMs: 1_700_000_000_123, samples: samples, top: top))
    }

    /// Bitwise equality: `==` on Double treats NaN as unequal and -0.0 as 0.
    static func identical(_ a: LiveEvent, _ b: LiveEvent) -> Bool {
        switch (a, b) {
        case (.connection(let m1, let c1, let t1), .connection(let m2, let c2, let t2)):
            return m1 == m2 && c1 == c2 && t1 == t2
        case (.batch(let x), .batch(let y)):
            return x.machine == y.machine && x.seq == y.seq && x.timestampMs == y.timestampMs
                && x.samples.count == y.samples.count && x.snapshot.top.count == y.snapshot.top.count
                && zip(x.samples, y.samples).allSatisfy {
                    $0.series == $1.series && $0.value.bitPattern == $1.value.bitPattern
                }
                && zip(x.snapshot.top, y.snapshot.top).allSatisfy {
                    // A process's CPU share travels as a float on the wire (it is shown with one decimal).
                    $0.pid == $1.pid && $0.name == $1.name && $0.memoryBytes == $1.memoryBytes
                        && Float($0.cpuPercent).bitPattern == Float($1.cpuPercent).bitPattern
                }
        default:
            return false
        }
    }
}

/// The binary form of live events on the Redis bus.
@Suite("Redis.LiveEventCodec")
struct LiveEventCodecTests {
    @Test("batches and connection events decode to exactly what was encoded")
    func roundTrip() throws {
        let events: [LiveEvent] = [
            .batch(LiveEventFixtures.batch()),
            .batch(Batch(machine: "empty", seq: .max, snapshot: Snapshot(timestampMs: -1, samples: []))),
            .connection(machine: "rocinante", connected: true, atMs: 1_700_000_000_000),
            .connection(machine: "", connected: false, atMs: .min),
        ]
        for event in events {
            let decoded = try LiveEvent(decoding: event.encoded())
            #expect(LiveEventFixtures.identical(decoded, event))
        }
    }

    @Test("a batch travels in its wire form: each series declared once, a 40-sample batch stays compact")
    func compact() {
        let samples = (0..<40).map {
            Sample("cpu.core_usage_percent", ["cpu": "\($0 % 8)", "mode": "user"], Double($0))
        }
        let batch = Batch(machine: "m", seq: 1, snapshot: Snapshot(timestampMs: 1, samples: samples))
        let bytes = LiveEvent.batch(batch).encoded()
        #expect(bytes.readableBytes < 40 * 56)
        // Exactly the wire message, behind a 2-byte head and its length.
        #expect(Array(bytes.readableBytesView.suffix(batch.wireBytes().count)) == batch.wireBytes())
    }

    @Test("truncated, padded or foreign bytes are rejected, never crash")
    func rejectsGarbage() {
        let good = LiveEvent.batch(LiveEventFixtures.batch()).encoded()
        for length in stride(from: 0, to: good.readableBytes, by: 7) {
            #expect(throws: LiveEventCodecError.self) { try LiveEvent(decoding: good.getSlice(at: 0, length: length)!) }
        }
        var padded = good
        padded.writeInteger(UInt8(0))
        #expect(throws: LiveEventCodecError.self) { try LiveEvent(decoding: padded) }
        #expect(throws: LiveEventCodecError.self) { try LiveEvent(decoding: ByteBuffer(string: "{\"json\":true}")) }
        #expect(throws: LiveEventCodecError.self) { try LiveEvent(decoding: ByteBuffer(bytes: [1, 1, 0])) }
        var hugeCount = ByteBuffer(bytes: [2, 1])
        hugeCount.writeRepeatingByte(0, count: 16)
        hugeCount.writeBytes([0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        #expect(throws: LiveEventCodecError.self) { try LiveEvent(decoding: hugeCount) }
    }
}
