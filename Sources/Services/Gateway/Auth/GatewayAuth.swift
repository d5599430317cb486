import Foundation
import SMSCore
import Spec

/// How the gateway decides who is asking.
public enum GatewayAuthMode: Sendable {
    /// Everyone is served, as an admin: the public edge, and tests that are not about login.
    case open
    /// As the spec in force says (`hub.auth`, read at every request, so a reload switches it).
    case spec(GatewayAuthSettings)
}

/// What login needs besides the spec: where the hub's secrets are, and how sessions behave.
public struct GatewayAuthSettings: Sendable {
    /// The state directory holding the CLI's token, the one-time link and the bootstrap admin's password.
    public var state: StateDirectory
    /// Set when the HTTP port speaks TLS: session cookies then carry `Secure`.
    public var secureCookies: Bool
    public var sessionLifetime: Duration
    /// Now, for sessions, links and back-off (tests pass a clock they move).
    public var clock: @Sendable () -> Date

    public init(
        state: StateDirectory, secureCookies: Bool = false, sessionLifetime: Duration = .seconds(12 * 3600),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.state = state
        self.secureCookies = secureCookies
        self.sessionLifetime = sessionLifetime
        self.clock = clock
    }
}

/// Who a request comes from.
struct Identity: Sendable, Equatable {
    enum Via: Sendable, Equatable {
        /// A session cookie (writes then need the CSRF token).
        case session(id: String, Session)
        /// The CLI's bearer token.
        case bearer
        /// `hub.auth: none` (or the open mode).
        case open
    }

    var user: String
    var role: UserRole
    var via: Via

    var session: Session? {
        if case .session(_, let session) = via { return session }
        return nil
    }
}

/// The gateway's login state: sessions, the login throttle, the CLI's token; answers "who is this?".
final class Authenticator: Sendable {
    let mode: GatewayAuthMode
    let spec: any SpecProvider
    let sessions: SessionStore
    let throttle: LoginThrottle
    let cookieName: String
    /// The CLI's bearer token, read (or created) when the gateway starts; nil in the open mode.
    let apiToken: String?

    init(mode: GatewayAuthMode, spec: any SpecProvider, port: Int, throttle: LoginThrottle = LoginThrottle()) throws {
        self.mode = mode
        self.spec = spec
        self.throttle = throttle
        // Cookies are not port-specific: two hubs on one host must not overwrite each other's session.
        cookieName = "sms_session_\(port)"
        if case .spec(let settings) = mode {
            sessions = SessionStore(lifetime: settings.sessionLifetime)
            apiToken = try HubSecrets.ensureAPIToken(state: settings.state)
        } else {
            sessions = SessionStore(lifetime: .seconds(3600))
            apiToken = nil
        }
    }

    var settings: GatewayAuthSettings? {
        if case .spec(let settings) = mode { return settings }
        return nil
    }

    /// True when requests need a session or the bearer token now.
    var requiresLogin: Bool {
        guard settings != nil else { return false }
        return spec.current().spec.hub.auth.requiresLogin
    }

    var now: Date { settings?.clock() ?? Date() }

    /// The identity `headers` prove: the bearer token, else a live session cookie; with login off, everyone.
    /// A wrong `Authorization` header is not overlooked in favour of a cookie: it identifies nobody.
    func identify(_ headers: HTTPFieldsView) -> Identity? {
        guard requiresLogin else { return Identity(user: "anonymous", role: .admin, via: .open) }
        if let authorization = headers.authorization {
            guard let apiToken, authorization.hasPrefix("Bearer "),
                ConstantTime.equal(String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces), apiToken)
            else { return nil }
            return Identity(user: "cli", role: .admin, via: .bearer)
        }
        guard let id = headers.cookie(named: cookieName), let session = sessions.session(id, now: now) else { return nil }
        return Identity(user: session.user, role: session.role, via: .session(id: id, session))
    }
}

/// The two request headers login reads, from Hummingbird's or the WebSocket upgrade's request alike.
struct HTTPFieldsView {
    var authorization: String?
    var cookies: [String]

    func cookie(named name: String) -> String? {
        for header in cookies {
            for part in header.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == name {
                    return pair[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }
}
