import SMSCore

/// Gorilla-style compression (Facebook's Gorilla paper, as in Prometheus TSDB): delta-of-delta
/// timestamps and XOR-compressed doubles. Values round-trip bit for bit (NaN payloads, -0.0, ±inf).
enum GorillaChunk {
    /// Encodes a whole series: count, timestamps, values. `times` and `values` must have the same length.
    static func encode(times: [Int64], values: [Double]) -> [UInt8] {
        precondition(times.count == values.count, "one value per timestamp")
        var writer = BitWriter(capacity: times.count * 2 + 16)
        writer.writeSigned(Int64(times.count))
        encodeTimes(times, into: &writer)
        encodeValues(values, into: &writer)
        return writer.finish()
    }

    /// Decodes what `encode` wrote.
    static func decode(_ bytes: [UInt8]) throws(CodecError) -> (times: [Int64], values: [Double]) {
        var reader = BitReader(bytes)
        let count = try reader.readSigned()
        guard count >= 0, count <= Int64(reader.bitsLeft) else { throw .corrupt("sample count \(count)") }
        let times = try decodeTimes(count: Int(count), from: &reader)
        let values = try decodeValues(count: Int(count), from: &reader)
        return (times, values)
    }

    /// Delta of delta: a steady 1 s interval costs one bit per sample; jitter of a few ms about six.
    /// Wrapping arithmetic keeps absurd inputs (clock jumps across the Int64 range) lossless.
    static func encodeTimes(_ times: [Int64], into writer: inout BitWriter) {
        var previous: Int64 = 0
        var previousDelta: Int64 = 0
        for (index, time) in times.enumerated() {
            switch index {
            case 0: writer.writeSigned(time)
            case 1: writer.writeSigned(time &- previous)
            default: writer.writeSigned((time &- previous) &- previousDelta)
            }
            if index > 0 { previousDelta = time &- previous }
            previous = time
        }
    }

    /// Decodes `count` timestamps written by `encodeTimes`.
    static func decodeTimes(count: Int, from reader: inout BitReader) throws(CodecError) -> [Int64] {
        var times: [Int64] = []
        times.reserveCapacity(count)
        var previous: Int64 = 0
        var delta: Int64 = 0
        for index in 0..<count {
            let field = try reader.readSigned()
            switch index {
            case 0: previous = field
            case 1:
                delta = field
                previous = previous &+ delta
            default:
                delta = delta &+ field
                previous = previous &+ delta
            }
            times.append(previous)
        }
        return times
    }

    /// XOR with the previous value: `0` when equal; `10` + bits inside the previous window of meaningful
    /// bits; `11` + 5 bits leading zeros + 6 bits length + the meaningful bits.
    static func encodeValues(_ values: [Double], into writer: inout BitWriter) {
        var previous: UInt64 = 0
        var leading = 65  // no window yet
        var trailing = 0
        for (index, value) in values.enumerated() {
            let bits = value.bitPattern
            defer { previous = bits }
            if index == 0 {
                writer.write(bits, bits: 64)
                continue
            }
            let xor = bits ^ previous
            if xor == 0 {
                writer.writeBit(false)
                continue
            }
            writer.writeBit(true)
            let newLeading = min(xor.leadingZeroBitCount, 31)
            let newTrailing = xor.trailingZeroBitCount
            if leading <= 64, newLeading >= leading, newTrailing >= trailing {
                writer.writeBit(false)
                writer.write(xor >> UInt64(trailing), bits: 64 - leading - trailing)
            } else {
                leading = newLeading
                trailing = newTrailing
                let length = 64 - leading - trailing
                writer.writeBit(true)
                writer.write(UInt64(leading), bits: 5)
                writer.write(UInt64(length & 63), bits: 6)  // 64 is stored as 0
                writer.write(xor >> UInt64(trailing), bits: length)
            }
        }
    }

    /// Decodes `count` values written by `encodeValues`.
    static func decodeValues(count: Int, from reader: inout BitReader) throws(CodecError) -> [Double] {
        var values: [Double] = []
        values.reserveCapacity(count)
        var previous: UInt64 = 0
        var leading = 0
        var trailing = 0
        var haveWindow = false
        for index in 0..<count {
            if index == 0 {
                previous = try reader.read(bits: 64)
            } else if try reader.readBit() {
                if try reader.readBit() {
                    leading = Int(try reader.read(bits: 5))
                    var length = Int(try reader.read(bits: 6))
                    if length == 0 { length = 64 }
                    guard leading + length <= 64 else { throw .corrupt("xor window") }
                    trailing = 64 - leading - length
                    haveWindow = true
                } else if !haveWindow {
                    throw .corrupt("xor window reused before it was set")
                }
                let meaningful = try reader.read(bits: 64 - leading - trailing)
                previous ^= meaningful << UInt64(trailing)
            }
            values.append(Double(bitPattern: previous))
        }
        return values
    }
}
