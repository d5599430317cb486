import SMSCore
import Crypto
import Hummingbird
import Foundation
import Synchronization

/// The edge's side of `PushSignature`'s handshake: a push connection is accepted when its time is within a
/// minute of the edge's clock, its nonce is new, and its MAC proves the edge's token (compared in constant time).
/// The token itself never travels, so neither a log nor a recording of the connection holds it.
final class PushAuthorization: Sendable {
    private let token: String
    /// Nonces seen within the time window, with when they may be forgotten.
    private let seen = Mutex<[String: Int64]>([:])
    private let now: @Sendable () -> Int64

    init(token: String, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.token = token
        self.now = now
    }

    /// Why a push was refused, for the edge's log; nil when it is accepted (its nonce is then used up).
    func refusal(_ request: Request) -> String? {
        guard !token.isEmpty else { return "the edge has no token" }
        guard let header = request.headers[.authorization], let credentials = PushSignature.parse(header) else {
            return "no SMS-Push authorization"
        }
        let nowMs = now()
        guard abs(credentials.timeMs - nowMs) <= PushSignature.windowMs else {
            return "push time \((credentials.timeMs - nowMs) / 1000)s off the edge's clock (a replay, or a clock to fix)"
        }
        let expected = PushSignature.handshakeMAC(token: token, timeMs: credentials.timeMs, nonce: credentials.nonce)
        guard ConstantTime.equal(credentials.mac, expected) else { return "wrong token" }
        return seen.withLock { seen in
            seen = seen.filter { $0.value > nowMs }
            guard seen[credentials.nonce] == nil else { return "nonce already used (a replayed request)" }
            guard seen.count < 10_000 else { return "too many push attempts in the last minutes" }
            seen[credentials.nonce] = nowMs + 2 * PushSignature.windowMs
            return nil
        }
    }

    /// The key the accepted connection's messages are signed with.
    func sessionKey(_ request: Request) -> SymmetricKey? {
        guard let header = request.headers[.authorization], let credentials = PushSignature.parse(header) else { return nil }
        return PushSignature.sessionKey(token: token, nonce: credentials.nonce)
    }
}
