import SMSCore

/// Values a collector computed as a share of small integer counters: `p / q * 100`, or `100 - p / q * 100`.
///
/// CPU percentages are jiffy counts over the interval's total (`Double(d) / Double(total) * 100` in the cpu
/// source): their doubles look like noise (61.69154228855721) and cost Gorilla ~7 bytes each, yet they carry
/// two small integers. Finding `p` and `q` that reproduce each value bit for bit stores those instead; `q`
/// (the interval's jiffies) rarely changes, so it costs a bit, and `p` a byte or so. Lossless by construction:
/// decoding evaluates the same expression, and a value no pair reproduces rules the encoding out.
enum RatioColumn {
    enum Form: Sendable {
        case share  // p / q * 100
        case complement  // 100 - p / q * 100 (busy percent from idle jiffies)
    }

    /// Largest denominator searched: 64 cores at USER_HZ 100 for one second.
    static let maxDenominator: Int64 = 6_400

    /// The expression the decoder evaluates.
    @inline(__always)
    static func value(_ p: Int64, _ q: Int64, _ form: Form) -> Double {
        let share = Double(p) / Double(q) * 100
        return form == .share ? share : 100 - share
    }

    /// One (p, q) per value reproducing it exactly, keeping `q` as steady as possible; nil if some value has none.
    static func fit(_ values: [Double], form: Form) -> [(p: Int64, q: Int64)]? {
        var pairs: [(p: Int64, q: Int64)] = []
        pairs.reserveCapacity(values.count)
        var q: Int64 = 100
        for value in values {
            guard value.isFinite, let pair = search(value, near: q, form: form) else { return nil }
            q = pair.q
            pairs.append(pair)
        }
        return pairs
    }

    /// The pair for `value`, preferring denominator `near`. Otherwise the continued-fraction convergents of the
    /// share: a share computed from p/q (q ≤ 6400) is within 1e-15 of it, far inside 1/(2q²), so by Legendre's
    /// theorem p/q in lowest terms is a convergent — a handful of candidates instead of 6400 divisions. Any
    /// multiple of a pair gives the same double, so the multiple nearest `near` keeps the denominator steady.
    private static func search(_ value: Double, near: Int64, form: Form) -> (p: Int64, q: Int64)? {
        if let p = numerator(value, near, form) { return (p, near) }
        var x = (form == .share ? value : 100 - value) / 100
        guard x >= 0, x <= 1 else { return nil }
        var (h0, h1): (Int64, Int64) = (0, 1)
        var (k0, k1): (Int64, Int64) = (1, 0)
        for _ in 0..<64 {
            let whole = x.rounded(.down)
            guard whole < Double(maxDenominator) else { return nil }
            let (h, k) = (Int64(whole) * h1 + h0, Int64(whole) * k1 + k0)
            guard k <= maxDenominator else { return nil }
            if let p = numerator(value, k, form) {
                let multiple = max(1, min(maxDenominator / k, (near + k / 2) / k))
                return numerator(value, k * multiple, form).map { ($0, k * multiple) } ?? (p, k)
            }
            let fraction = x - whole
            guard fraction > 1e-12 else { return nil }
            x = 1 / fraction
            (h0, h1, k0, k1) = (h1, h, k1, k)
        }
        return nil
    }

    @inline(__always)
    private static func numerator(_ value: Double, _ q: Int64, _ form: Form) -> Int64? {
        let share = form == .share ? value : 100 - value
        let estimate = (share * Double(q) / 100).rounded()
        guard estimate >= 0, estimate <= Double(q) else { return nil }
        let p = Int64(estimate)
        return Self.value(p, q, form).bitPattern == value.bitPattern ? p : nil
    }

    /// Size in bits of `encode(pairs)`.
    static func cost(_ pairs: [(p: Int64, q: Int64)]) -> Int {
        var bits = 0
        var previous: (p: Int64, q: Int64) = (0, 0)
        for pair in pairs {
            bits += BitWriter.signedCost(pair.q - previous.q) + BitWriter.signedCost(pair.p - previous.p)
            previous = pair
        }
        return bits
    }

    /// Each pair as the change of `q` and of `p` from the previous pair.
    static func encode(_ pairs: [(p: Int64, q: Int64)], into writer: inout BitWriter) {
        var previous: (p: Int64, q: Int64) = (0, 0)
        for pair in pairs {
            writer.writeSigned(pair.q - previous.q)
            writer.writeSigned(pair.p - previous.p)
            previous = pair
        }
    }

    static func decode(count: Int, form: Form, from reader: inout BitReader) throws(CodecError) -> [Double] {
        var values: [Double] = []
        values.reserveCapacity(count)
        var p: Int64 = 0
        var q: Int64 = 0
        for _ in 0..<count {
            q = q &+ (try reader.readSigned())
            p = p &+ (try reader.readSigned())
            guard q >= 1, q <= maxDenominator, p >= 0, p <= q else { throw .corrupt("ratio \(p)/\(q)") }
            values.append(value(p, q, form))
        }
        return values
    }
}
