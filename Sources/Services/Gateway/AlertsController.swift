import SMSCore
import Hummingbird

/// `GET /api/alerts` (active now) and `GET /api/alerts/history?limit=` (past periods, newest first).
struct AlertsController<Context: RequestContext>: Sendable {
    let source: (any AlertStatusSource)?

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("alerts", use: active)
        group.get("alerts/history", use: history)
    }

    @Sendable func active(_ request: Request, context: Context) async throws -> Response {
        let alerts = await source?.active() ?? []
        return try JSONResponse.make(AlertList(alerts: alerts, channels: await source?.channels() ?? []))
    }

    @Sendable func history(_ request: Request, context: Context) async throws -> Response {
        var limit = 500
        if let text = request.uri.queryParameters["limit"] {
            guard let n = Int(text), (1...10_000).contains(n) else {
                throw APIError.badRequest("limit: expected a number from 1 to 10000, got \"\(text)\"")
            }
            limit = n
        }
        let alerts = await source?.history(limit: limit) ?? []
        return try JSONResponse.make(AlertList(alerts: alerts))
    }
}
