import Crypto
import Foundation
import SMSCore
import Spec
import _CryptoExtras

/// Password hashes with scrypt (`scrypt$N$r$p$salt$hash`): made by `smsctl passwd` and by the one-time link's
/// page, checked by the gateway at login.
public enum PasswordHasher {
    /// N = 2^15, r = 8, p = 1: 32 MiB and some tens of milliseconds per try, OWASP's scrypt floor.
    public static let defaultRounds = 1 << 15
    public static let minimumLength = 8
    public static let maximumLength = 1024

    /// A new hash of `password` with a random 16-byte salt.
    public static func hash(_ password: String, rounds: Int = defaultRounds) throws -> String {
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let key = try derive(password, salt: salt, rounds: rounds, blockSize: 8, parallelism: 1, length: 32)
        return PasswordHashText(rounds: rounds, blockSize: 8, parallelism: 1, salt: salt, hash: key).text
    }

    /// True when `password` matches `hashText`; false for a malformed hash. Compared in constant time.
    public static func verify(_ password: String, against hashText: String) -> Bool {
        guard case .success(let stored) = PasswordHashText.parse(hashText),
            let key = try? derive(
                password, salt: stored.salt, rounds: stored.rounds, blockSize: stored.blockSize,
                parallelism: stored.parallelism, length: stored.hash.count)
        else { return false }
        return ConstantTime.equal(key, stored.hash)
    }

    /// Spends the same work as a real check, so an unknown user name answers as slowly as a wrong password.
    static func verifyNothing(_ password: String) {
        _ = verify(password, against: decoy)
    }

    /// Why a new password is refused, or nil when it is acceptable.
    public static func weakness(of password: String) -> String? {
        if password.count < minimumLength { return "a password needs at least \(minimumLength) characters" }
        if password.utf8.count > maximumLength { return "a password is at most \(maximumLength) bytes" }
        return nil
    }

    static func derive(
        _ password: String, salt: [UInt8], rounds: Int, blockSize: Int, parallelism: Int, length: Int
    ) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: length, rounds: rounds, blockSize: blockSize,
            parallelism: parallelism)
        return key.withUnsafeBytes { Array($0) }
    }

    /// A fixed, valid hash of nothing anyone knows, at the default cost.
    private static let decoy = (try? hash(UUID().uuidString)) ?? ""
}
