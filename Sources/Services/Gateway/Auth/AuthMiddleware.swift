import HTTPTypes
import NIOHTTP1
import Hummingbird
import SMSCore
import Spec

/// The login gate in front of the API: `/api/*`, `/ws`, `/metrics` and `/federate` need a session or the CLI's bearer token
/// (401 otherwise); writes (any method but GET and HEAD) need the admin role (403) and, with a cookie, the
/// session's CSRF token in `X-CSRF-Token` (403). The dashboard's files, `/healthz`, `/login` and `POST
/// /api/login` stay open. With `hub.auth: none` everything passes, as before.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let auth: Authenticator
    /// Writes any logged-in user may make about their own session.
    static var selfService: Set<String> { ["/api/logout", "/api/password"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard auth.requiresLogin, Self.isProtected(request.uri.path), request.uri.path != "/api/login" else {
            return try await next(request, context)
        }
        guard let identity = auth.identify(HTTPFieldsView(request.headers)) else {
            throw APIError(status: .unauthorized, message: "log in first (POST /api/login), or send the CLI's token as Authorization: Bearer")
        }
        if request.method != .get && request.method != .head && !Self.isReadingPost(request) {
            if let session = identity.session {
                guard let sent = request.headers[.csrfToken], ConstantTime.equal(sent, session.csrf) else {
                    throw APIError(status: .forbidden, message: "missing or wrong X-CSRF-Token header; the dashboard gets it from GET /api/session")
                }
            }
            if identity.role != .admin && !Self.selfService.contains(request.uri.path) {
                throw APIError(status: .forbidden, message: "\(identity.user) is a \(identity.role.rawValue); this needs the admin role")
            }
        }
        return try await next(request, context)
    }

    /// True for the paths behind login, however the path is spelled (`//api`, `%61pi`, `/API`).
    static func isProtected(_ path: String) -> Bool {
        guard let first = path.split(separator: "/", omittingEmptySubsequences: true).first else { return false }
        let word = (String(first).removingPercentEncoding ?? String(first)).lowercased()
        return ["api", "ws", "metrics", "federate"].contains(word)
    }

    /// Prometheus' query API takes its parameters as a POST form too (Grafana's default); such a POST only reads.
    /// Only those routes, by exact path: a write added under `/api/v1` later must not slip through.
    static func isReadingPost(_ request: Request) -> Bool {
        let path = request.uri.path
        guard request.method == .post else { return false }
        if ["/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels"].contains(path) { return true }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 6 && parts[1] == "api" && parts[2] == "v1" && parts[3] == "label" && parts[5] == "values"
    }
}

extension HTTPFieldsView {
    init(_ fields: HTTPFields) {
        self.init(authorization: fields[.authorization], cookies: fields[values: .cookie])
    }
}

extension HTTPField.Name {
    /// The dashboard's CSRF token on writes.
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
}

extension Authenticator {
    /// A `/ws` upgrade without a session or the bearer token is answered 401 with a JSON body before the upgrader
    /// runs (which could only answer an empty 400); the WebSocket is not opened.
    func refusal(upgrade head: HTTPRequestHead) -> (status: HTTPResponseStatus, reason: String, message: String)? {
        let fields = HTTPFieldsView(authorization: head.headers["authorization"].first, cookies: head.headers["cookie"])
        guard identify(fields) == nil else { return nil }
        return (.unauthorized, "unauthorized", "log in first: the live feed needs a session or the CLI's token")
    }
}
