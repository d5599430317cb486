import SMSCore
import Hummingbird

/// Answers `GET /ws` requests that did not become WebSockets: a refused Origin (403) or a plain HTTP GET (426).
///
/// The upgrade router hands refused upgrades to the HTTP router, so this is where the refusal gets its JSON body.
struct LiveRefusalController<Context: RequestContext>: Sendable {
    let policy: OriginPolicy

    func addRoutes(to router: Router<Context>) {
        router.get("ws", use: refuse)
    }

    @Sendable func refuse(_ request: Request, context: Context) async throws -> Response {
        let host = request.head.authority
        if let origin = request.headers[.origin], !policy.allows(origin: origin, host: host) {
            throw APIError(status: .forbidden, message: "origin not allowed: \(origin)")
        }
        throw APIError(status: .upgradeRequired, message: "/ws expects a WebSocket upgrade")
    }
}
