import SMSCore
import Hummingbird
import Spec

/// `GET /api/history?machine=&metric=&labels=&from=&to=&step=&tier=`: stored values of one metric's series.
struct HistoryController<Context: RequestContext>: Sendable {
    let context: GatewayContext

    /// The answer: the range actually served (tier and step chosen for it) and one entry per series.
    struct HistoryAnswer: Encodable {
        var machine: String
        var metric: String
        var labels: [String: String]
        var fromMs: Int64
        var toMs: Int64
        var stepMs: Int64
        /// The tier the store answered from (the requested one, or its choice by range and retention).
        var tier: HistoryTier?
        var series: [HistorySeries]
    }

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("history", use: history)
    }

    @Sendable func history(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        let spec = self.context.spec.current().spec
        guard let machine = query["machine"].map(String.init), !machine.isEmpty else {
            throw APIError.badRequest("machine: missing parameter")
        }
        guard let metric = query["metric"].map(String.init), !metric.isEmpty else {
            throw APIError.badRequest("metric: missing parameter")
        }
        guard MetricCatalog.info(metric) != nil else {
            throw APIError.badRequest("metric: unknown metric \"\(metric)\"")
        }
        let declared = spec.machine(machine)
        let reported = try await self.context.state.machine(machine)
        guard declared != nil || reported != nil else {
            throw APIError.notFound("unknown machine: \(machine)")
        }
        let labels = try HistoryRange.parseLabels(query["labels"].map(String.init))
        let range = try HistoryRange.parse(
            from: query["from"].map(String.init), to: query["to"].map(String.init),
            step: query["step"].map(String.init), tier: query["tier"].map(String.init), nowMs: FleetView.nowMs(),
            minStepMs: (declared?.interval ?? spec.defaults.interval).milliseconds)
        let series = try await self.context.history.query(
            HistoryQuery(
                machine: machine, metric: metric, labels: labels, fromMs: range.fromMs, toMs: range.toMs,
                stepMs: range.stepMs, tier: range.tier))
        return try JSONResponse.make(
            HistoryAnswer(
                machine: machine, metric: metric, labels: labels, fromMs: range.fromMs, toMs: range.toMs,
                stepMs: range.stepMs, tier: series.first?.tier ?? range.tier, series: series))
    }
}
