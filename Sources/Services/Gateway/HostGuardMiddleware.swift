import Hummingbird

/// Refuses a request whose `Host` the hub does not answer to (see `HostPolicy`) with 400 and what to set.
struct HostGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: HostPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard policy.allows(request.head.authority) else {
            let shown = String((request.head.authority ?? "").prefix(100))
            throw HTTPError(.badRequest, message: "this hub does not answer to the host name \"\(shown)\": use its address, or add the name to hub.allowed_hosts in the spec")
        }
        return try await next(request, context)
    }
}
