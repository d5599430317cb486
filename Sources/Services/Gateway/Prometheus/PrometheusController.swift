import Foundation
import Hummingbird
import NIOCore
import SMSCore

/// The fleet for Prometheus and Grafana: `/api/v1/metrics` (and `/federate`) to scrape, and the query API
/// (`/api/v1/query`, `query_range`, `series`, `labels`, `label/<name>/values`) answered from sms's history.
struct PrometheusController<Context: RequestContext>: Sendable {
    let context: GatewayContext
    /// The live feed's newest batches, when a feed runs in this process.
    var latest: LatestBatches? = nil

    var engine: PromQLEngine { PromQLEngine(source: HistoryPromSource(context: context)) }

    func addRoutes(to api: RouterGroup<Context>, root: Router<Context>) {
        let v1 = api.group("v1")
        v1.get("metrics", use: scrape)
        root.get("federate", use: scrape)
        // Grafana's Prometheus data source asks with POST by default; both answer the same.
        let queries: [(String, @Sendable (Request, Context) async throws -> Response)] = [
            ("query", instant), ("query_range", range), ("series", series), ("labels", labels),
            ("label/:name/values", labelValues),
        ]
        for (path, handler) in queries {
            v1.get(RouterPath(path), use: handler)
            v1.post(RouterPath(path), use: handler)
        }
        v1.get("status/buildinfo") { _, _ in
            PromJSON.success("{\"version\":\(PromJSON.string(context.health.version)),\"application\":\"sms\"}")
        }
    }

    @Sendable func scrape(_ request: Request, context: Context) async throws -> Response {
        let parameters = try await PromParameters.read(request)
        let samples: [PromSample]
        do {
            samples = try FleetExposition.filter(
                try await FleetExposition(context: self.context, latest: latest).samples(),
                matches: parameters.all("match[]"))
        } catch let error as PromQLError {
            throw APIError.badRequest(error.description)
        }
        return Self.exposition(samples, accept: request.headers[.accept])
    }

    static func exposition(_ samples: [PromSample], accept: String?) -> Response {
        let openMetrics = PromExposition.wantsOpenMetrics(accept)
        return Response(
            status: .ok,
            headers: [
                .contentType: openMetrics ? PromExposition.openMetricsContentType : PromExposition.textContentType,
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: PromExposition.render(samples, openMetrics: openMetrics))))
    }

    /// Runs `body`, answering a refused query as Prometheus' `bad_data`.
    private func answer(_ body: () async throws -> String) async throws -> Response {
        do {
            return PromJSON.success(try await body())
        } catch let error as PromQLError {
            return PromJSON.badData(error.description)
        }
    }

    @Sendable func instant(_ request: Request, context: Context) async throws -> Response {
        let p = try await PromParameters.read(request)
        return try await answer {
            let expr = try PromQLParser.parse(try p.required("query"))
            let t = try p.time("time", default: FleetView.nowMs())
            return PromJSON.instant(try await engine.instant(expr, atMs: t), atMs: t)
        }
    }

    @Sendable func range(_ request: Request, context: Context) async throws -> Response {
        let p = try await PromParameters.read(request)
        return try await answer {
            let expr = try PromQLParser.parse(try p.required("query"))
            let start = try p.time("start")
            let end = try p.time("end")
            let step = try p.duration("step")
            guard end >= start else { throw PromQLError("end timestamp must not be before start time") }
            guard (end - start) / step <= 11_000 else {
                throw PromQLError(
                    "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"
                )
            }
            return PromJSON.matrix(try await engine.range(expr, startMs: start, endMs: end, stepMs: step))
        }
    }

    /// The label sets of the series `match[]` selects (every series when none is given).
    private func matched(_ p: PromParameters) async throws -> [[String: String]] {
        var selectors: [PromSelector] = []
        for text in p.all("match[]") { selectors.append(try PromQLParser.parseSelector(text)) }
        return try await HistoryPromSource(context: context).seriesLabels(matching: selectors).map(\.labels)
    }

    @Sendable func series(_ request: Request, context: Context) async throws -> Response {
        let p = try await PromParameters.read(request)
        return try await answer {
            guard !p.all("match[]").isEmpty else { throw PromQLError("no match[] parameter provided") }
            return "[" + (try await matched(p)).map(PromJSON.labels).joined(separator: ",") + "]"
        }
    }

    @Sendable func labels(_ request: Request, context: Context) async throws -> Response {
        let p = try await PromParameters.read(request)
        return try await answer {
            let names = Set(try await matched(p).flatMap(\.keys))
            return "[" + names.sorted().map(PromJSON.string).joined(separator: ",") + "]"
        }
    }

    @Sendable func labelValues(_ request: Request, context: Context) async throws -> Response {
        let p = try await PromParameters.read(request)
        let name = try context.parameters.require("name")
        return try await answer {
            let values = Set(try await matched(p).compactMap { $0[name] })
            return "[" + values.sorted().map(PromJSON.string).joined(separator: ",") + "]"
        }
    }
}

extension PromParameters {
    func required(_ key: String) throws(PromQLError) -> String {
        guard let value = self[key], !value.isEmpty else { throw PromQLError("missing parameter \"\(key)\"") }
        return value
    }
}
