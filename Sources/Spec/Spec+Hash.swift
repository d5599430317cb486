import Foundation

extension Spec {
    /// 16 hex chars, stable: FNV-1a 64 over `JSONEncoder(.sortedKeys)` of the model.
    ///
    /// Secret values are never encoded (`Secret` encodes its source only), so rotating a token in the
    /// environment does not change the hash, and the hash reveals nothing about a secret.
    public var hash: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain structs, enums, strings and numbers cannot fail; an empty input still hashes stably.
        let data = (try? encoder.encode(self)) ?? Data()
        return Self.fnv1a64Hex(data)
    }

    /// FNV-1a 64 of `bytes`, as 16 lowercase hex digits.
    static func fnv1a64Hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
