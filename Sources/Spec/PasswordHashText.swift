import Foundation

/// The text form of a password hash: `scrypt$N$r$p$salt$hash`, salt and hash in base64.
///
/// Self-describing, so the cost parameters can be raised later without breaking hashes already in specs. This
/// type only parses and prints; deriving keys needs swift-crypto and lives with the hub (`PasswordHasher`).
public struct PasswordHashText: Sendable, Equatable {
    public static let scheme = "scrypt"
    /// Bounds that keep a hash from a spec from asking for absurd work or memory (N ≤ 2^20, r·p small).
    public static let roundsRange = 1024...(1 << 20)
    public static let blockSizeRange = 1...32
    public static let parallelismRange = 1...16

    public var rounds: Int
    public var blockSize: Int
    public var parallelism: Int
    public var salt: [UInt8]
    public var hash: [UInt8]

    public init(rounds: Int, blockSize: Int, parallelism: Int, salt: [UInt8], hash: [UInt8]) {
        self.rounds = rounds
        self.blockSize = blockSize
        self.parallelism = parallelism
        self.salt = salt
        self.hash = hash
    }

    /// Parses `text`; the error says what is wrong in words a person can act on, never echoing the text.
    public static func parse(_ text: String) -> Result<PasswordHashText, Problem> {
        let fields = text.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 6, fields[0] == scheme else {
            return .failure(Problem("expected a hash from `smsctl passwd` (scrypt$N$r$p$salt$hash)"))
        }
        guard let n = Int(fields[1]), roundsRange.contains(n), n & (n - 1) == 0 else {
            return .failure(Problem("scrypt N must be a power of two from 1024 to 1048576"))
        }
        guard let r = Int(fields[2]), blockSizeRange.contains(r), let p = Int(fields[3]), parallelismRange.contains(p)
        else {
            return .failure(Problem("scrypt r must be 1–32 and p 1–16"))
        }
        guard let salt = Data(base64Encoded: fields[4]), salt.count >= 8,
            let hash = Data(base64Encoded: fields[5]), (16...64).contains(hash.count)
        else {
            return .failure(Problem("the salt or hash is not base64 of the right length; copy the whole line again"))
        }
        return .success(PasswordHashText(rounds: n, blockSize: r, parallelism: p, salt: Array(salt), hash: Array(hash)))
    }

    /// The line to paste into the spec.
    public var text: String {
        [Self.scheme, "\(rounds)", "\(blockSize)", "\(parallelism)", Data(salt).base64EncodedString(),
         Data(hash).base64EncodedString()].joined(separator: "$")
    }

    /// Why a text is not a password hash.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}
