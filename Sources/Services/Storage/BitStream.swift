import SMSCore

/// Appends bit fields (most significant bit first) to a byte array; the base of the chunk codecs.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    /// Bits waiting to be flushed, left-aligned in the low `pending` bits of `accumulator`.
    private var accumulator: UInt64 = 0
    private var pending = 0

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    /// Total number of bits written so far.
    var bitCount: Int { bytes.count * 8 + pending }

    /// Writes the low `count` bits of `value` (0...64), highest first.
    mutating func write(_ value: UInt64, bits count: Int) {
        precondition(count >= 0 && count <= 64, "bit count out of range")
        guard count > 0 else { return }
        let value = count == 64 ? value : value & ((1 << UInt64(count)) - 1)
        if count > 32 {
            // Split so that the accumulator (at most 7 pending bits) never overflows.
            write(value >> 32, bits: count - 32)
            write(value & 0xFFFF_FFFF, bits: 32)
            return
        }
        accumulator = (accumulator << UInt64(count)) | value
        pending += count
        while pending >= 8 {
            pending -= 8
            bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt64(pending)))
        }
        accumulator &= (1 << UInt64(pending)) - 1
    }

    mutating func writeBit(_ bit: Bool) { write(bit ? 1 : 0, bits: 1) }

    /// The bytes written, the last one padded with zero bits.
    func finish() -> [UInt8] {
        guard pending > 0 else { return bytes }
        return bytes + [UInt8(truncatingIfNeeded: accumulator << UInt64(8 - pending))]
    }
}

/// Reads bit fields written by `BitWriter`; throws instead of trapping on truncated input.
struct BitReader {
    private let bytes: [UInt8]
    private var position = 0  // in bits

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var bitsLeft: Int { bytes.count * 8 - position }

    /// Reads `count` bits (0...64) as an unsigned value.
    mutating func read(bits count: Int) throws(CodecError) -> UInt64 {
        guard count >= 0 && count <= 64 else { throw .corrupt("bit count \(count)") }
        guard count <= bitsLeft else { throw .corrupt("truncated bit stream") }
        var result: UInt64 = 0
        var remaining = count
        while remaining > 0 {
            let byte = UInt64(bytes[position >> 3])
            let offset = position & 7
            let take = min(8 - offset, remaining)
            let chunk = (byte >> UInt64(8 - offset - take)) & ((1 << UInt64(take)) - 1)
            result = (result << UInt64(take)) | chunk
            position += take
            remaining -= take
        }
        return result
    }

    mutating func readBit() throws(CodecError) -> Bool { try read(bits: 1) == 1 }
}

extension BitWriter {
    /// Bucket widths for signed integers (zigzag-encoded); the prefix is unary: `0`, `10`, `110`, …
    /// Small buckets first because deltas of deltas are mostly 0 or a few units (timer jitter, slow gauges).
    static let intBuckets: [Int] = [0, 4, 8, 14, 24, 40, 64]

    /// Writes a signed integer with a unary bucket prefix and zigzag payload.
    mutating func writeSigned(_ value: Int64) {
        let zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        let buckets = Self.intBuckets
        for (index, width) in buckets.enumerated() {
            let fits = width == 64 || zigzag < (1 << UInt64(width))
            guard fits else { continue }
            // The last bucket's prefix has no terminating zero: it is all ones.
            let prefixOnes = index
            let prefixBits = index == buckets.count - 1 ? index : index + 1
            let prefix: UInt64 = ((1 << UInt64(prefixOnes)) - 1) << UInt64(prefixBits - prefixOnes)
            write(prefix, bits: prefixBits)
            write(zigzag, bits: width)
            return
        }
    }

    /// The number of bits `writeSigned` would use, for choosing between encodings without writing.
    static func signedCost(_ value: Int64) -> Int {
        let zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        for (index, width) in intBuckets.enumerated() where width == 64 || zigzag < (1 << UInt64(width)) {
            return (index == intBuckets.count - 1 ? index : index + 1) + width
        }
        return 70
    }
}

extension BitReader {
    /// Reads an integer written by `BitWriter.writeSigned`.
    mutating func readSigned() throws(CodecError) -> Int64 {
        let buckets = BitWriter.intBuckets
        var index = 0
        while index < buckets.count - 1, try readBit() { index += 1 }
        let zigzag = try read(bits: buckets[index])
        return Int64(bitPattern: (zigzag >> 1) ^ (0 &- (zigzag & 1)))
    }
}
