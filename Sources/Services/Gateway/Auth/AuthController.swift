import Foundation
import HTTPTypes
import Hummingbird
import SMSCore
import Spec

/// `POST /api/login`, `POST /api/logout`, `GET /api/session`, `POST /api/password` and `GET /login?once=…`
/// (the one-time admin link).
struct AuthController: Sendable {
    let auth: Authenticator
    let accounts: Accounts
    let metrics: GatewayMetrics

    /// `/api/session` and `/api/login`'s answer: who is logged in and what the dashboard needs to act as them.
    struct SessionInfo: Encodable {
        /// "login", or "none" when `hub.auth: none`.
        var auth: String
        var user: String
        var role: String
        /// The value to send in `X-CSRF-Token` on writes (sessions only).
        var csrf: String?
        /// True for the one-time link's admin before a password is set: the dashboard asks for one.
        var mustSetPassword: Bool
    }

    struct Credentials: Decodable {
        var name: String
        var password: String
    }

    struct NewPassword: Decodable {
        var password: String
    }

    func addRoutes(to api: RouterGroup<GatewayRequestContext>, root: Router<GatewayRequestContext>) {
        api.post("login", use: login)
        api.post("logout", use: logout)
        api.get("session", use: session)
        api.post("password", use: setPassword)
        root.get("login", use: oneTimeLink)
    }

    @Sendable func login(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        guard auth.requiresLogin else { return try JSONResponse.make(info(Identity(user: "anonymous", role: .admin, via: .open))) }
        let credentials = try await Self.decode(Credentials.self, request, context)
        let address = context.remoteAddress ?? "unknown"
        let now = auth.now
        if let wait = auth.throttle.wait(address: address, name: credentials.name, now: now) {
            metrics.loginThrottled.increment()
            let seconds = max(1, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
            var response = JSONErrorMiddleware<GatewayRequestContext>.response(
                .tooManyRequests, "too many failed logins from this address or for this name; try again in \(seconds) s")
            response.headers[.retryAfter] = "\(seconds)"
            return response
        }
        guard let account = accounts.check(name: credentials.name, password: credentials.password) else {
            auth.throttle.failed(address: address, name: credentials.name, now: now)
            metrics.loginFailed.increment()
            context.logger.notice("login failed", metadata: ["user": "\(credentials.name.prefix(64))", "address": "\(address)"])
            throw APIError(status: .unauthorized, message: "wrong name or password")
        }
        auth.throttle.succeeded(address: address, name: credentials.name)
        metrics.loginSucceeded.increment()
        context.logger.info("login", metadata: ["user": "\(account.name)", "address": "\(address)"])
        return try startSession(user: account.name, role: account.role, bootstrap: account.bootstrap)
    }

    @Sendable func logout(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        var response = try JSONResponse.make(["ok": true])
        if case .session(let id, _)? = auth.identify(HTTPFieldsView(request.headers))?.via {
            auth.sessions.remove(id)
        }
        response.setCookie(cookie(value: "", maxAge: 0))
        return response
    }

    @Sendable func session(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        guard let identity = auth.identify(HTTPFieldsView(request.headers)) else {
            throw APIError(status: .unauthorized, message: "not logged in")
        }
        return try JSONResponse.make(info(identity))
    }

    /// The one-time link's admin sets the password it will log in with from then on.
    @Sendable func setPassword(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        guard let identity = auth.identify(HTTPFieldsView(request.headers)), let settings = auth.settings,
            auth.requiresLogin
        else { throw APIError(status: .unauthorized, message: "not logged in") }
        guard let session = identity.session, session.bootstrap, accounts.usesBootstrapAdmin else {
            throw APIError(
                status: .forbidden,
                message: "\(identity.user)'s password is the spec's password_hash: make a new one with `smsctl passwd` and apply")
        }
        let body = try await Self.decode(NewPassword.self, request, context)
        if let weakness = PasswordHasher.weakness(of: body.password) { throw APIError.badRequest(weakness) }
        let hash = try PasswordHasher.hash(body.password)
        try HubSecrets.setAdminPasswordHash(hash, state: settings.state)
        if case .session(let id, _) = identity.via { auth.sessions.removeAll(user: identity.user, keeping: id) }
        context.logger.notice("admin password set", metadata: ["user": "\(identity.user)"])
        return try JSONResponse.make(["ok": true])
    }

    /// `GET /login?once=TOKEN`: logs in as admin once, then sends the browser to the dashboard, which asks for a
    /// password. A used, expired or wrong link sends it to the login form with a note.
    @Sendable func oneTimeLink(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        guard auth.requiresLogin, let settings = auth.settings else { return .redirect(to: "/", type: .normal) }
        guard accounts.usesBootstrapAdmin, let token = request.uri.queryParameters["once"].map(String.init),
            HubSecrets.consumeLoginLink(token, state: settings.state, now: auth.now)
        else {
            metrics.loginFailed.increment()
            var response = Response.redirect(to: "/?link=invalid", type: .normal)
            response.headers[.cacheControl] = "no-store"
            return response
        }
        metrics.loginSucceeded.increment()
        context.logger.notice("one-time login link used", metadata: ["address": "\(context.remoteAddress ?? "unknown")"])
        let (id, _) = auth.sessions.create(user: HubSecrets.bootstrapAdmin, role: .admin, bootstrap: true, now: auth.now)
        var response = Response.redirect(to: "/?welcome=1", type: .normal)
        response.headers[.cacheControl] = "no-store"
        response.setCookie(cookie(value: id, maxAge: Int(auth.sessions.lifetime.components.seconds)))
        return response
    }

    func startSession(user: String, role: UserRole, bootstrap: Bool) throws -> Response {
        let (id, session) = auth.sessions.create(user: user, role: role, bootstrap: bootstrap, now: auth.now)
        var response = try JSONResponse.make(info(Identity(user: user, role: role, via: .session(id: id, session))))
        response.setCookie(cookie(value: id, maxAge: Int(auth.sessions.lifetime.components.seconds)))
        return response
    }

    func info(_ identity: Identity) -> SessionInfo {
        let open = identity.via == .open
        let session = identity.session
        let mustSet = session?.bootstrap == true && auth.settings.map { HubSecrets.adminPasswordHash(state: $0.state) == nil } == true
        return SessionInfo(
            auth: open ? "none" : "login", user: identity.user, role: identity.role.rawValue, csrf: session?.csrf,
            mustSetPassword: mustSet)
    }

    /// `HttpOnly; SameSite=Strict; Path=/`, and `Secure` when the port speaks TLS.
    func cookie(value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: auth.cookieName, value: value, maxAge: maxAge, path: "/", secure: auth.settings?.secureCookies ?? false,
            httpOnly: true, sameSite: .strict)
    }

    /// A small JSON body (at most 8 KiB), with a message naming what is wrong.
    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: GatewayRequestContext) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 8192)
        } catch {
            throw APIError(status: .contentTooLarge, message: "the body is larger than 8 KiB")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            let keys = T.self == Credentials.self ? "{\"name\": …, \"password\": …}" : "{\"password\": …}"
            throw APIError.badRequest("expected a JSON body \(keys)")
        }
    }
}
