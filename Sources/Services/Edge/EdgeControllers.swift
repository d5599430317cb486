import SMSCore
import Foundation
import Hummingbird
import Spec

/// Refuses everything but reading: any method other than GET or HEAD gets 405 (the push upgrade is a GET).
struct ReadOnlyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            throw APIError(status: .methodNotAllowed, message: "the edge is read-only: \(request.method) not allowed")
        }
        return try await next(request, context)
    }
}

/// The edge's REST surface: the relayed fleet, alerts, recent history and health; `/push` without a valid token.
struct EdgeController<Context: RequestContext>: Sendable {
    let relay: EdgeRelay
    let configuration: EdgeConfiguration
    let startedAt = Date()

    /// `/healthz` of the edge: whether and when the gateway last pushed.
    struct Health: Encodable {
        var status: String
        var version: String
        var gatewayConnected: Bool
        var lastPushMs: Int64?
        var uptimeSeconds: Double
    }

    func addRoutes(to router: Router<Context>) {
        router.get("healthz", use: health)
        router.get("push") { _, _ -> Response in
            throw APIError(
                status: .unauthorized, message: "push requires a WebSocket upgrade with a valid bearer token")
        }
        let api = router.group("api")
        // The public view needs no login: the dashboard asks, and is told so.
        api.get("session") { _, _ in
            try JSONResponse.make(
                AuthController.SessionInfo(auth: "none", user: "public", role: "viewer", csrf: nil, mustSetPassword: false))
        }
        api.get("machines") { _, _ in
            try JSONResponse.make(
                MachineList(
                    spec: relay.specName, specHash: "", serverTimeMs: FleetView.nowMs(), machines: relay.machines()))
        }
        api.get("machines/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let detail = relay.machineDetail(id) else { throw APIError.notFound("unknown machine: \(id)") }
            return try JSONResponse.make(detail)
        }
        api.get("alerts") { _, _ in try JSONResponse.make(AlertList(alerts: relay.alerts())) }
        api.get("alerts/history") { _, _ in try JSONResponse.make(AlertList(alerts: [])) }
        api.get("history", use: history)
        // The public fleet for Prometheus: what this edge shows, nothing more (the gateway redacted it).
        api.get("v1/metrics") { request, _ in
            let parameters = try await PromParameters.read(request)
            do {
                let samples = try FleetExposition.filter(relay.promSamples(), matches: parameters.all("match[]"))
                return PrometheusController<Context>.exposition(samples, accept: request.headers[.accept])
            } catch let error as PromQLError {
                throw APIError.badRequest(error.description)
            }
        }
    }

    @Sendable func health(_ request: Request, context: Context) async throws -> Response {
        let last = relay.lastPushMs
        let fresh = last.map { FleetView.nowMs() - $0 < 30_000 } ?? false
        return try JSONResponse.make(
            Health(
                status: fresh ? "ok" : "waiting for gateway", version: configuration.version, gatewayConnected: fresh,
                lastPushMs: last, uptimeSeconds: Date().timeIntervalSince(startedAt)))
    }

    /// Like the hub's `/api/history`, but answered from the last minutes the edge kept in memory.
    @Sendable func history(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        guard let machine = query["machine"].map(String.init), !machine.isEmpty else {
            throw APIError.badRequest("machine: missing parameter")
        }
        guard let metric = query["metric"].map(String.init), MetricCatalog.info(metric) != nil else {
            throw APIError.badRequest("metric: missing or unknown metric")
        }
        let labels = try HistoryRange.parseLabels(query["labels"].map(String.init))
        let range = try HistoryRange.parse(
            from: query["from"].map(String.init), to: query["to"].map(String.init), step: nil, tier: nil,
            nowMs: FleetView.nowMs(), minStepMs: 1000)
        let series = relay.history.query(
            machine: machine, metric: metric, labels: labels, fromMs: range.fromMs, toMs: range.toMs)
        return try JSONResponse.make(
            HistoryController<Context>.HistoryAnswer(
                machine: machine, metric: metric, labels: labels, fromMs: range.fromMs, toMs: range.toMs,
                stepMs: 1000, tier: .raw, series: series))
    }
}
