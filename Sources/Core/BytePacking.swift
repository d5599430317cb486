/// Byte-aligned varints and raw fields for the headers of blocks and write-ahead records.
package struct ByteWriter {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    /// LEB128: 7 bits per byte, so small ids and counts take one byte.
    package mutating func writeVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    package mutating func writeVarint(_ value: Int) { writeVarint(UInt64(value)) }

    /// Zigzag then LEB128, for values that may be negative.
    package mutating func writeSignedVarint(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Eight bytes, little endian: the exact bit pattern of a double.
    package mutating func writeDouble(_ value: Double) {
        var bits = value.bitPattern
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    package mutating func writeBytes(_ other: [UInt8]) { bytes.append(contentsOf: other) }
}

/// Reads what `ByteWriter` wrote; every read is bounds-checked and throws on truncation.
package struct ByteReader {
    private let bytes: [UInt8]
    package private(set) var offset = 0

    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    package var isAtEnd: Bool { offset >= bytes.count }

    package mutating func readVarint() throws(CodecError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count, shift < 64 else { throw .corrupt("truncated varint") }
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    /// A varint that must fit a non-negative `Int` no larger than `limit` (guards allocations on bad input).
    package mutating func readCount(limit: Int = 1 << 30) throws(CodecError) -> Int {
        let value = try readVarint()
        guard value <= UInt64(limit) else { throw .corrupt("count \(value) out of range") }
        return Int(value)
    }

    package mutating func readSignedVarint() throws(CodecError) -> Int64 {
        let zigzag = try readVarint()
        return Int64(bitPattern: (zigzag >> 1) ^ (0 &- (zigzag & 1)))
    }

    package mutating func readDouble() throws(CodecError) -> Double {
        guard offset + 8 <= bytes.count else { throw .corrupt("truncated double") }
        var bits: UInt64 = 0
        for index in (0..<8).reversed() { bits = (bits << 8) | UInt64(bytes[offset + index]) }
        offset += 8
        return Double(bitPattern: bits)
    }

    package mutating func readBytes(_ count: Int) throws(CodecError) -> [UInt8] {
        guard count >= 0, offset + count <= bytes.count else { throw .corrupt("truncated field") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Moves past `count` bytes without copying them (columns a query does not need).
    package mutating func skip(_ count: Int) throws(CodecError) {
        guard count >= 0, offset + count <= bytes.count else { throw .corrupt("truncated field") }
        offset += count
    }
}

/// A byte or bit stream that does not hold what its writer wrote.
package struct CodecError: Error, CustomStringConvertible {
    package let description: String
    package static func corrupt(_ what: String) -> CodecError { CodecError(description: "corrupt history data: \(what)") }
}
