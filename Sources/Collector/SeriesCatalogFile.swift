import Foundation
import SMSCore
import SwiftProtobuf

/// The buffer's series dictionary: each series is written once, as the wire's `SeriesDef` (length-prefixed), and
/// buffered batches refer to it by index, so a buffered batch costs ~9 bytes per sample instead of repeating names.
final class SeriesCatalogFile {
    private(set) var keys: [SeriesKey] = []
    private var ids: [SeriesKey: UInt32] = [:]
    private var memo = LayoutMemo()
    private let fd: Int32
    private let url: URL

    init(url: URL) throws {
        self.url = url
        fd = open(url.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BufferError.io("cannot open \(url.path): \(String(cString: strerror(errno)))") }
        let contents = [UInt8](try Data(contentsOf: url))
        var reader = ByteReader(contents)
        var good = 0
        // A torn last entry (a crash mid-write) is cut off; every entry before it is intact.
        while !reader.isAtEnd {
            guard let bytes = try? reader.readBytes(reader.readCount(limit: 1 << 16)),
                let def = try? Sms_V1_SeriesDef(serializedBytes: bytes), let key = def.key(maxLabels: 64)
            else { break }
            ids[key] = UInt32(keys.count)
            keys.append(key)
            good = reader.offset
        }
        if good != contents.count { _ = ftruncate(fd, off_t(good)) }
    }

    deinit { close(fd) }

    /// The indexes of the samples' series, in order.
    func ids(for samples: [Sample]) throws -> [UInt32] {
        if let known = memo.ids(for: samples) { return known }
        let ids = try samples.map { try id(for: $0.series) }
        memo.remember(samples, ids: ids)
        return ids
    }

    /// The index of `key`, writing it to the file the first time it is seen.
    func id(for key: SeriesKey) throws -> UInt32 {
        if let id = ids[key] { return id }
        let def: [UInt8] = try Sms_V1_SeriesDef(key).serializedBytes()
        var w = ByteWriter()
        w.writeVarint(UInt64(def.count))
        w.writeBytes(def)
        let written = w.bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == w.bytes.count else {
            let problem = BufferError.writeFailed(url.path, written: written, of: w.bytes.count, errno: errno)
            // Cut a torn entry, so the next one starts clean and the file reads back whole.
            if written > 0 { _ = ftruncate(fd, lseek(fd, 0, SEEK_END) - off_t(written)) }
            throw problem
        }
        let id = UInt32(keys.count)
        ids[key] = id
        keys.append(key)
        return id
    }

    func key(_ id: UInt32) throws -> SeriesKey {
        guard id < keys.count else { throw BufferError.corrupt("unknown series \(id)") }
        return keys[Int(id)]
    }
}

/// A buffer record's payload: the wire's `Batch` message, its layout holding catalog indexes (the series are in
/// the catalog file, the seq and time in the record's header).
enum BufferRecordCodec {
    static func encode(snapshot: Snapshot, catalog: SeriesCatalogFile) throws -> [UInt8] {
        var message = Sms_V1_Batch()
        message.layout = try catalog.ids(for: snapshot.samples)
        message.values = snapshot.samples.map(\.value)
        message.top = snapshot.top.map { Sms_V1_Process($0) }
        return try message.serializedBytes()
    }

    static func decode(_ payload: [UInt8], seq: UInt64, timestampMs: Int64, machine: String, catalog: SeriesCatalogFile) throws -> Batch {
        let message = try Sms_V1_Batch(serializedBytes: payload)
        guard message.layout.count == message.values.count else {
            throw BufferError.corrupt("record \(seq): \(message.values.count) values for \(message.layout.count) series")
        }
        let samples = try zip(message.layout, message.values).map { Sample(try catalog.key($0), $1) }
        let top = message.top.map { TopProcess($0) }
        return Batch(machine: machine, seq: seq, snapshot: Snapshot(timestampMs: timestampMs, samples: samples, top: top))
    }
}
