import Crypto
import Foundation
import SMSCore
import Spec
import Synchronization

/// One logged-in browser: who, with which role, its CSRF token and when it ends.
struct Session: Sendable, Equatable {
    var user: String
    var role: UserRole
    /// Sent back by the dashboard in `X-CSRF-Token` on every write (`GET /api/session` hands it out).
    var csrf: String
    var expires: Date
    /// True for the one-time link's admin, who may set the bootstrap password.
    var bootstrap: Bool
}

/// Sessions in the gateway's memory, keyed by the SHA-256 of the cookie's value (so a lookup's timing says
/// nothing about stored ids), each with an absolute expiry. A restart logs everyone out.
final class SessionStore: Sendable {
    static let capacity = 10_000
    let lifetime: Duration
    private let sessions = Mutex<[String: Session]>([:])

    init(lifetime: Duration) { self.lifetime = lifetime }

    /// A new session; returns the cookie value (32 random bytes, hex) and the session.
    func create(user: String, role: UserRole, bootstrap: Bool = false, now: Date) -> (id: String, session: Session) {
        let id = MachineTokens.randomToken()
        let session = Session(
            user: user, role: role, csrf: MachineTokens.randomToken(),
            expires: now.addingTimeInterval(Double(lifetime.components.seconds)), bootstrap: bootstrap)
        sessions.withLock { all in
            if all.count >= Self.capacity {
                all = all.filter { $0.value.expires > now }
                // Still full: drop the sessions that end soonest.
                if all.count >= Self.capacity {
                    for key in all.sorted(by: { $0.value.expires < $1.value.expires }).prefix(all.count / 10).map(\.key) {
                        all[key] = nil
                    }
                }
            }
            all[Self.key(id)] = session
        }
        return (id, session)
    }

    /// The session of a cookie value, nil when unknown or expired (an expired one is removed).
    func session(_ id: String, now: Date) -> Session? {
        let key = Self.key(id)
        return sessions.withLock { all in
            guard let session = all[key] else { return nil }
            guard session.expires > now else {
                all[key] = nil
                return nil
            }
            return session
        }
    }

    func remove(_ id: String) { _ = sessions.withLock { $0.removeValue(forKey: Self.key(id)) } }

    /// Ends every session of `user` (after a password change), except `keeping`.
    func removeAll(user: String, keeping id: String?) {
        let kept = id.map(Self.key)
        sessions.withLock { all in all = all.filter { $0.value.user != user || $0.key == kept } }
    }

    var count: Int { sessions.withLock { $0.count } }

    static func key(_ id: String) -> String {
        SHA256.hash(data: Array(id.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
