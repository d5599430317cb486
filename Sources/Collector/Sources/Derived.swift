#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What the collector works out from readings (a rate: an increase over the seconds it took; a share of a total)
/// is kept to five significant digits.
///
/// The quotient's own digits past that are noise: the tick's timing alone moves a rate by ~0.1%, and five digits
/// err by at most 0.005%. Rounded, a value is a short decimal, which the history store keeps in a few bits instead
/// of the ~7 bytes an arbitrary double costs it (docs/benchmarks.md: a real hour of this machine's series). Readings
/// themselves (bytes, counts, the kernel's own averages) are never rounded, and neither are CPU shares, whose
/// exact jiffy ratios the store encodes exactly (`RatioColumn`).
enum Derived {
    static let digits = 5

    /// `value` to `digits` significant digits, or to a whole number when it has more digits before the point (0,
    /// integers and non-finite values as they are).
    static func rounded(_ value: Double) -> Double {
        guard value.isFinite, value != 0, value != value.rounded(.towardZero) else { return value }
        let shift = digits - 1 - Int(log10(abs(value)).rounded(.down))
        guard shift > 0 else { return value.rounded() }
        guard shift <= 22 else { return value }
        let scale = powersOfTen[shift]
        return (value * scale).rounded() / scale
    }

    /// 10⁰ … 10²², each exact in a double.
    private static let powersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { r, _ in r * 10 } }
}
