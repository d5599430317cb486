/// Secret comparison whose duration does not depend on where two values differ, so timing reveals nothing of a
/// token: the hub checks collector tokens with it, the edge the gateway's push token.
public enum ConstantTime {
    /// Compares every byte of the longer input; only whether the lengths are equal is visible in the timing.
    public static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        let x = Array(a)
        let y = Array(b)
        var difference: UInt8 = x.count == y.count ? 0 : 1
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }

    /// The same for strings, over their UTF-8 bytes.
    public static func equal(_ a: String, _ b: String) -> Bool { equal(a.utf8, b.utf8) }
}
