import SMSCore
import Foundation

/// One append-only file of the disk buffer, with an in-memory index of its records.
///
/// Layout of a record: `[u32 payload length][u32 crc32 of the rest][u64 seq][i64 timestamp ms][payload]`,
/// little-endian. Each append is a single `write(2)`.
final class BufferSegment {
    struct Record {
        let seq: UInt64
        let timestampMs: Int64
        let offset: Int64
        let length: Int
    }

    static let headerSize = 24
    let url: URL
    private(set) var records: [Record] = []
    private(set) var size: Int64 = 0
    private let fd: Int32

    init(url: URL) throws {
        self.url = url
        fd = open(url.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BufferError.io("cannot open \(url.path): \(String(cString: strerror(errno)))") }
        try recover()
    }

    deinit { close(fd) }

    /// Reads the index back, stopping at the first torn or corrupt record and cutting the file there.
    private func recover() throws {
        let data = try Data(contentsOf: url)
        var offset = 0
        while offset + Self.headerSize <= data.count {
            let length = Int(data.loadLE(UInt32.self, at: offset))
            let crc = data.loadLE(UInt32.self, at: offset + 4)
            let end = offset + Self.headerSize + length
            guard end <= data.count, CRC32.checksum(data[(offset + 8)..<end]) == crc else { break }
            let seq = data.loadLE(UInt64.self, at: offset + 8)
            let ts = Int64(bitPattern: data.loadLE(UInt64.self, at: offset + 16))
            records.append(Record(seq: seq, timestampMs: ts, offset: Int64(offset), length: length))
            offset = end
        }
        size = Int64(offset)
        if offset != data.count { _ = ftruncate(fd, off_t(offset)) }
    }

    func append(seq: UInt64, timestampMs: Int64, payload: [UInt8]) throws {
        var bytes = [UInt8]()
        bytes.reserveCapacity(Self.headerSize + payload.count)
        bytes.appendLE(UInt32(payload.count))
        bytes.appendLE(UInt32(0))
        bytes.appendLE(seq)
        bytes.appendLE(UInt64(bitPattern: timestampMs))
        bytes.append(contentsOf: payload)
        let crc = CRC32.checksum(bytes[8...])
        for i in 0..<4 { bytes[4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            let problem = BufferError.writeFailed(url.path, written: written, of: bytes.count, errno: errno)
            // A short write leaves a torn tail; cut it so the next record starts clean.
            _ = ftruncate(fd, off_t(size))
            throw problem
        }
        records.append(Record(seq: seq, timestampMs: timestampMs, offset: size, length: payload.count))
        size += Int64(bytes.count)
    }

    func read(_ record: Record) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: record.length)
        let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, record.length, off_t(record.offset) + 24) }
        guard n == record.length else { throw BufferError.io("short read in \(url.path)") }
        return out
    }

    func remove() throws { try FileManager.default.removeItem(at: url) }
}

/// A failure of the collector's disk buffer.
public enum BufferError: Error, CustomStringConvertible {
    case io(String)
    case corrupt(String)

    /// A `write(2)` that failed or wrote less than asked, with the reason read from `errno` at once (a later
    /// call would overwrite it). A short write means the disk filled up mid-record.
    static func writeFailed(_ path: String, written: Int, of count: Int, errno code: Int32) -> BufferError {
        if written >= 0 {
            return .io("cannot write to \(path): wrote \(written) of \(count) bytes (no space left on device?)")
        }
        return .io("cannot write to \(path): \(String(cString: strerror(code)))")
    }
    public var description: String {
        switch self {
        case .io(let m): "buffer i/o error: \(m)"
        case .corrupt(let m): "buffer record is corrupt: \(m)"
        }
    }
}

/// CRC-32 (IEEE, as zlib), for torn-write detection.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
    static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

extension Data {
    func loadLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        var v: T = 0
        for i in 0..<MemoryLayout<T>.size {
            v |= T(truncatingIfNeeded: self[self.startIndex + offset + i]) << (8 * i)
        }
        return v
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }
}
