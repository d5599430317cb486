import Foundation

/// The one stable hash of sms: FNV-1a 64, as 16 lowercase hex digits. It names configurations (the spec, a role's
/// start-time settings, a collector's flags) so two runs can tell "same" from "changed"; it is not for secrets.
/// It lives in Spec, the bottom layer, because `Spec.hash` needs it and every other module sees Spec.
public enum StableHash {
    /// FNV-1a 64 of `bytes`.
    public static func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The hash of `value`'s sorted-keys JSON (a `Secret` encodes its source only, so secrets never reach it).
    public static func hex(of value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain structs, enums, strings and numbers cannot fail; an empty input still hashes stably.
        return hex((try? encoder.encode(value)) ?? Data())
    }
}
