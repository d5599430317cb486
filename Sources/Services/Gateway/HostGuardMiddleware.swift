import Hummingbird

/// Refuses a request whose `Host` the hub does not answer to (see `HostPolicy`) with 400 and what to set, and one
/// sent by another site's page (`Origin`) with 403.
struct HostGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: HostPolicy
    /// When set, a request a page of another site sent (its `Origin` names another host) is refused with 403:
    /// the private hub's API answers its own dashboard only. Nil on the public edge.
    var origins: OriginPolicy? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard policy.allows(request.head.authority) else {
            let shown = String((request.head.authority ?? "").prefix(100))
            throw HTTPError(.badRequest, message: "this hub does not answer to the host name \"\(shown)\": use its address, or add the name to hub.allowed_hosts in the spec")
        }
        if let origins, let origin = request.headers[.origin], !origins.allows(origin: origin, host: request.head.authority) {
            throw HTTPError(.forbidden, message: "cross-site request from \(origin.prefix(100)) refused: the hub answers its own dashboard only")
        }
        return try await next(request, context)
    }
}
