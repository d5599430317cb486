import SMSCore
import NIOCore

/// A compact, self-contained binary form of a live event, for Redis pub/sub between processes.
///
/// Values travel as their IEEE-754 bits, so NaN, -0.0 and infinities come back exactly (the protobuf batch would
/// narrow top processes' CPU to a Float). Each string is written once per event and then referred to by number,
/// which keeps repeated metric names and label keys cheap.
///
/// Layout: version byte 1, kind byte (1 batch, 2 connection), then
/// - batch: machine, seq (u64), timestamp (i64), samples (count, then metric, label count, key/value pairs, value
///   bits), top (count, then pid (i32), name, CPU bits, memory bytes (u64));
/// - connection: machine, connected (u8), at (i64).
///
/// Counts are varints; strings are a varint `length << 1` followed by UTF-8, or `index << 1 | 1` for a repeat.
extension LiveEvent {
    static let codecVersion: UInt8 = 1

    /// The event's bytes.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var writer = EventWriter(buffer: allocator.buffer(capacity: 256))
        writer.buffer.writeInteger(Self.codecVersion)
        switch self {
        case .batch(let batch):
            writer.buffer.writeInteger(UInt8(1))
            writer.string(batch.machine)
            writer.buffer.writeInteger(batch.seq)
            writer.buffer.writeInteger(batch.timestampMs)
            writer.varint(batch.samples.count)
            for sample in batch.samples {
                writer.string(sample.series.metric)
                writer.varint(sample.series.labels.count)
                for (key, value) in sample.series.labels.sorted(by: { $0.key < $1.key }) {
                    writer.string(key)
                    writer.string(value)
                }
                writer.buffer.writeInteger(sample.value.bitPattern)
            }
            writer.varint(batch.snapshot.top.count)
            for process in batch.snapshot.top {
                writer.buffer.writeInteger(process.pid)
                writer.string(process.name)
                writer.buffer.writeInteger(process.cpuPercent.bitPattern)
                writer.buffer.writeInteger(process.memoryBytes)
            }
        case .connection(let machine, let connected, let atMs):
            writer.buffer.writeInteger(UInt8(2))
            writer.string(machine)
            writer.buffer.writeInteger(UInt8(connected ? 1 : 0))
            writer.buffer.writeInteger(atMs)
        }
        return writer.buffer
    }

    /// The event in `bytes`, which must be exactly one encoded event.
    public init(decoding bytes: ByteBuffer) throws(LiveEventCodecError) {
        var reader = EventReader(buffer: bytes)
        let version: UInt8 = try reader.integer()
        guard version == Self.codecVersion else {
            throw LiveEventCodecError("unknown event encoding version \(version)")
        }
        let kind: UInt8 = try reader.integer()
        switch kind {
        case 1:
            let machine = try reader.string()
            let seq: UInt64 = try reader.integer()
            let timestampMs: Int64 = try reader.integer()
            var samples: [Sample] = []
            for _ in 0..<(try reader.count(minimumBytes: 10)) {
                let metric = try reader.string()
                var labels: [String: String] = [:]
                for _ in 0..<(try reader.count(minimumBytes: 2)) { labels[try reader.string()] = try reader.string() }
                samples.append(Sample(SeriesKey(metric, labels), Double(bitPattern: try reader.integer())))
            }
            var top: [TopProcess] = []
            for _ in 0..<(try reader.count(minimumBytes: 21)) {
                let pid: Int32 = try reader.integer()
                let name = try reader.string()
                let cpu = Double(bitPattern: try reader.integer())
                top.append(TopProcess(pid: pid, name: name, cpuPercent: cpu, memoryBytes: try reader.integer()))
            }
            let snapshot = Snapshot(timestampMs: timestampMs, samples: samples, top: top)
            self = .batch(Batch(machine: machine, seq: seq, snapshot: snapshot))
        case 2:
            let machine = try reader.string()
            let connected: UInt8 = try reader.integer()
            self = .connection(machine: machine, connected: connected != 0, atMs: try reader.integer())
        default:
            throw LiveEventCodecError("unknown event kind \(kind)")
        }
        guard reader.buffer.readableBytes == 0 else {
            throw LiveEventCodecError("\(reader.buffer.readableBytes) bytes left over after the event")
        }
    }
}

/// Bytes that are not an encoded live event (another version, or corrupted).
public struct LiveEventCodecError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

private struct EventWriter {
    var buffer: ByteBuffer
    private var strings: [String: Int] = [:]

    init(buffer: ByteBuffer) { self.buffer = buffer }

    mutating func varint(_ value: Int) {
        var rest = UInt64(value)
        while rest >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        buffer.writeInteger(UInt8(rest))
    }

    mutating func string(_ text: String) {
        if let index = strings[text] { return varint(index << 1 | 1) }
        strings[text] = strings.count
        varint(text.utf8.count << 1)
        buffer.writeString(text)
    }
}

private struct EventReader {
    var buffer: ByteBuffer
    private var strings: [String] = []

    init(buffer: ByteBuffer) { self.buffer = buffer }

    mutating func integer<T: FixedWidthInteger>() throws(LiveEventCodecError) -> T {
        guard let value = buffer.readInteger(as: T.self) else { throw LiveEventCodecError("the event ends early") }
        return value
    }

    mutating func varint() throws(LiveEventCodecError) -> Int {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 63, by: 7) {
            let byte: UInt8 = try integer()
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte & 0x80 == 0 {
                guard value <= UInt64(Int.max) else { break }
                return Int(value)
            }
        }
        throw LiveEventCodecError("a count or length is out of range")
    }

    /// A count of items that each take at least `minimumBytes`, checked against what is left.
    mutating func count(minimumBytes: Int) throws(LiveEventCodecError) -> Int {
        let count = try varint()
        guard count <= buffer.readableBytes / minimumBytes else {
            throw LiveEventCodecError("a count of \(count) does not fit in the \(buffer.readableBytes) bytes left")
        }
        return count
    }

    mutating func string() throws(LiveEventCodecError) -> String {
        let tag = try varint()
        if tag & 1 == 1 {
            guard tag >> 1 < strings.count else {
                throw LiveEventCodecError("a reference to unknown string \(tag >> 1)")
            }
            return strings[tag >> 1]
        }
        guard let text = buffer.readString(length: tag >> 1) else { throw LiveEventCodecError("the event ends early") }
        strings.append(text)
        return text
    }
}
