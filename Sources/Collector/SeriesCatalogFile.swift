import SMSCore
import Foundation

/// The buffer's series dictionary: each series (metric + labels) is written once and referred to by its index,
/// so a buffered batch costs ~9 bytes per sample instead of repeating names.
final class SeriesCatalogFile {
    private(set) var keys: [SeriesKey] = []
    private var ids: [SeriesKey: UInt32] = [:]
    private let fd: Int32
    private let url: URL

    init(url: URL) throws {
        self.url = url
        fd = open(url.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BufferError.io("cannot open \(url.path): \(String(cString: strerror(errno)))") }
        let contents = [UInt8](try Data(contentsOf: url))
        var reader = ByteReader(contents)
        var good = 0
        while !reader.isAtEnd {
            guard let key = try? Self.decode(&reader) else { break }
            ids[key] = UInt32(keys.count)
            keys.append(key)
            good = reader.offset
        }
        if good != contents.count { _ = ftruncate(fd, off_t(good)) }
    }

    deinit { close(fd) }

    /// The index of `key`, writing it to the file the first time it is seen.
    func id(for key: SeriesKey) throws -> UInt32 {
        if let id = ids[key] { return id }
        var w = ByteWriter()
        w.writeString(key.metric)
        w.writeVarint(UInt64(key.labels.count))
        for (k, v) in key.labels.sorted(by: { $0.key < $1.key }) {
            w.writeString(k)
            w.writeString(v)
        }
        let written = w.bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == w.bytes.count else { throw BufferError.io("cannot write \(url.path)") }
        let id = UInt32(keys.count)
        ids[key] = id
        keys.append(key)
        return id
    }

    func key(_ id: UInt64) throws -> SeriesKey {
        guard id < keys.count else { throw BufferError.corrupt("unknown series \(id)") }
        return keys[Int(id)]
    }

    private static func decode(_ r: inout ByteReader) throws -> SeriesKey {
        let metric = try r.readString()
        let count = try r.readVarint()
        guard count < 64 else { throw BufferError.corrupt("too many labels") }
        var labels: [String: String] = [:]
        for _ in 0..<count { labels[try r.readString()] = try r.readString() }
        return SeriesKey(metric, labels)
    }
}

/// Encodes a snapshot as a buffer record payload: samples as (series index, value), then the top processes.
enum BufferRecordCodec {
    static func encode(seq: UInt64, snapshot: Snapshot, catalog: SeriesCatalogFile) throws -> [UInt8] {
        var w = ByteWriter()
        w.writeVarint(UInt64(snapshot.samples.count))
        for sample in snapshot.samples {
            w.writeVarint(UInt64(try catalog.id(for: sample.series)))
            w.writeDouble(sample.value)
        }
        w.writeVarint(UInt64(snapshot.top.count))
        for p in snapshot.top {
            w.writeVarint(UInt64(UInt32(bitPattern: p.pid)))
            w.writeString(p.name)
            w.writeDouble(p.cpuPercent)
            w.writeVarint(p.memoryBytes)
        }
        return w.bytes
    }

    static func decode(_ payload: [UInt8], seq: UInt64, timestampMs: Int64, machine: String, catalog: SeriesCatalogFile) throws -> Batch {
        var r = ByteReader(payload)
        let count = try r.readVarint()
        guard count <= 1_000_000 else { throw BufferError.corrupt("sample count \(count)") }
        var samples: [Sample] = []
        samples.reserveCapacity(Int(count))
        for _ in 0..<count { samples.append(Sample(try catalog.key(try r.readVarint()), try r.readDouble())) }
        let topCount = try r.readVarint()
        guard topCount <= 1000 else { throw BufferError.corrupt("top count \(topCount)") }
        var top: [TopProcess] = []
        for _ in 0..<topCount {
            let pid = Int32(bitPattern: UInt32(truncatingIfNeeded: try r.readVarint()))
            top.append(TopProcess(pid: pid, name: try r.readString(), cpuPercent: try r.readDouble(), memoryBytes: try r.readVarint()))
        }
        return Batch(machine: machine, seq: seq, snapshot: Snapshot(timestampMs: timestampMs, samples: samples, top: top))
    }
}

extension ByteWriter {
    mutating func writeString(_ value: String) {
        let utf8 = Array(value.utf8)
        writeVarint(UInt64(utf8.count))
        writeBytes(utf8)
    }
}

extension ByteReader {
    mutating func readString() throws -> String {
        String(decoding: try readBytes(readCount(limit: 4096)), as: UTF8.self)
    }
}
