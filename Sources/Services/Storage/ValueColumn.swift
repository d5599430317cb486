import SMSCore

/// The values of one series within a block, in the cheapest of several lossless encodings.
///
/// /proc values are mostly integers (bytes, counts) or short decimals (`0.52` load, `41.5` °C, percentages a
/// collector rounds), and Gorilla's XOR spends ~2–4 bytes on every change of those. So a column whose every
/// value is exactly `m / 10^k` stores the integers `m` as deltas (or deltas of deltas) divided by their common
/// divisor; CPU shares computed from jiffies are stored as their integers (`RatioColumn`); anything else
/// (NaN, -0.0, rates) falls back to XOR. A tag says which was chosen.
enum ValueColumn {
    private enum Tag: UInt64 {
        case constant = 0
        case xor = 1
        case decimalDelta = 2
        case decimalDeltaOfDelta = 3
        case ratioShare = 4
        case ratioComplement = 5
    }
    private static let tagBits = 3

    /// Decimal exponents tried; 10^k is exact in a double up to 10^22, and few readings need more than 9.
    private static let maxDecimals = 9
    private static let powersOfTen: [Double] = (0...maxDecimals).map { k in (0..<k).reduce(1.0) { r, _ in r * 10 } }
    /// Integers beyond 2^53 lose precision as doubles, so they cannot round-trip.
    private static let maxExactInteger = Double(1 << 53)

    /// Appends the encoded values to `writer`.
    static func encode(_ values: [Double], into writer: inout BitWriter) {
        guard let first = values.first else { return }
        if values.allSatisfy({ $0.bitPattern == first.bitPattern }) {
            writer.write(Tag.constant.rawValue, bits: tagBits)
            writer.write(first.bitPattern, bits: 64)
            return
        }
        let xorBits = xorCost(values)
        if let plan = decimalPlan(values), plan.bits < xorBits {
            writer.write(plan.tag.rawValue, bits: tagBits)
            writer.write(UInt64(plan.decimals), bits: 4)
            writer.writeSigned(plan.first)
            writer.writeSigned(plan.divisor)
            for residual in plan.residuals { writer.writeSigned(residual / plan.divisor) }
            return
        }
        for (tag, form) in [(Tag.ratioShare, RatioColumn.Form.share), (.ratioComplement, .complement)] {
            if let pairs = RatioColumn.fit(values, form: form), RatioColumn.cost(pairs) < xorBits {
                writer.write(tag.rawValue, bits: tagBits)
                RatioColumn.encode(pairs, into: &writer)
                return
            }
        }
        writer.write(Tag.xor.rawValue, bits: tagBits)
        GorillaChunk.encodeValues(values, into: &writer)
    }

    /// Decodes `count` values written by `encode`.
    static func decode(count: Int, from reader: inout BitReader) throws(CodecError) -> [Double] {
        guard count > 0 else { return [] }
        guard let tag = Tag(rawValue: try reader.read(bits: tagBits)) else { throw .corrupt("value tag") }
        switch tag {
        case .constant:
            return Array(repeating: Double(bitPattern: try reader.read(bits: 64)), count: count)
        case .xor:
            return try GorillaChunk.decodeValues(count: count, from: &reader)
        case .ratioShare:
            return try RatioColumn.decode(count: count, form: .share, from: &reader)
        case .ratioComplement:
            return try RatioColumn.decode(count: count, form: .complement, from: &reader)
        case .decimalDelta, .decimalDeltaOfDelta:
            let decimals = Int(try reader.read(bits: 4))
            guard decimals <= maxDecimals else { throw .corrupt("decimal exponent \(decimals)") }
            let scale = powersOfTen[decimals]
            var integer = try reader.readSigned()
            let divisor = try reader.readSigned()
            var delta: Int64 = 0
            var values: [Double] = [Double(integer) / scale]
            values.reserveCapacity(count)
            for index in 1..<count {
                let step = try reader.readSigned() &* divisor
                if tag == .decimalDelta || index == 1 { delta = step } else { delta = delta &+ step }
                integer = integer &+ delta
                values.append(Double(integer) / scale)
            }
            return values
        }
    }

    /// How a decimal column would be written, with its size in bits.
    private struct DecimalPlan {
        var tag: Tag
        var decimals: Int
        var first: Int64
        var divisor: Int64
        var residuals: [Int64]
        var bits: Int
    }

    /// The integers `m` with `value == m / 10^k` for the smallest shared `k`, encoded the cheaper way; nil if
    /// some value has no such form. The bitwise check makes this exact: decoding performs the same division.
    private static func decimalPlan(_ values: [Double]) -> DecimalPlan? {
        var decimals = 0
        for value in values {
            guard let k = (decimals...maxDecimals).first(where: { integer(value, decimals: $0) != nil }) else {
                return nil
            }
            decimals = k
        }
        // A value exact at k is exact at every larger k (both divisions round the same rational).
        let integers = values.map { integer($0, decimals: decimals)! }
        var deltas: [Int64] = []
        var deltasOfDeltas: [Int64] = []
        for index in 1..<integers.count {
            deltas.append(integers[index] - integers[index - 1])
            deltasOfDeltas.append(index == 1 ? deltas[0] : deltas[index - 1] - deltas[index - 2])
        }
        let candidates = [(Tag.decimalDelta, deltas), (Tag.decimalDeltaOfDelta, deltasOfDeltas)].map { tag, residuals in
            let divisor = max(1, residuals.reduce(Int64(0)) { gcd($0, $1) })
            let body = residuals.reduce(0) { $0 + BitWriter.signedCost($1 / divisor) }
            let header = tagBits + 4 + BitWriter.signedCost(integers[0]) + BitWriter.signedCost(divisor)
            return DecimalPlan(
                tag: tag, decimals: decimals, first: integers[0], divisor: divisor,
                residuals: residuals, bits: header + body)
        }
        return candidates.min { $0.bits < $1.bits }
    }

    /// `m` when `Double(m) / 10^k` reproduces `value` bit for bit.
    private static func integer(_ value: Double, decimals: Int) -> Int64? {
        let scaled = (value * powersOfTen[decimals]).rounded()
        guard scaled.isFinite, abs(scaled) < maxExactInteger else { return nil }
        let candidate = Int64(scaled)
        return (Double(candidate) / powersOfTen[decimals]).bitPattern == value.bitPattern ? candidate : nil
    }

    /// Size of the XOR encoding in bits (encoded for real: cheap at block sizes, and exact).
    private static func xorCost(_ values: [Double]) -> Int {
        var writer = BitWriter(capacity: values.count * 8)
        GorillaChunk.encodeValues(values, into: &writer)
        return writer.bitCount + tagBits
    }

    private static func gcd(_ a: Int64, _ b: Int64) -> Int64 {
        var (x, y) = (a.magnitude, b.magnitude)
        while y != 0 { (x, y) = (y, x % y) }
        return Int64(x)
    }
}
