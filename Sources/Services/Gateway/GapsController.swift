import SMSCore
import Hummingbird
import Spec

/// `GET /api/gaps?machine=&from=&to=`: the intervals a machine's history has no samples for, by kind
/// (back_filled, lost, machine_down, open), and its completeness (docs/gaps.md). Without `machine`: every machine.
struct GapsController<Context: RequestContext>: Sendable {
    let context: GatewayContext

    struct GapDTO: Encodable {
        var kind: DataGap.Kind
        var fromMs: Int64
        var toMs: Int64
        var durationMs: Int64
        /// Batches the collector's buffer dropped (lost gaps).
        var batches: UInt64?
    }

    struct MachineGapsDTO: Encodable {
        var machine: String
        var intervalMs: Int64
        /// When the machine's data begins, as far as the ledger knows.
        var sinceMs: Int64?
        /// 0…1 per window (`1h`, `24h`, `7d`), counted from `sinceMs`.
        var completeness: [String: Double]?
        var gaps: [GapDTO]
    }

    struct Answer: Encodable {
        var fromMs: Int64
        var toMs: Int64
        var machines: [MachineGapsDTO]
    }

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("gaps", use: gaps)
    }

    @Sendable func gaps(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        let nowMs = FleetView.nowMs()
        let spec = self.context.spec.current().spec
        let toMs = try query["to"].map { text throws(APIError) in
            try HistoryRange.parseTime(String(text), name: "to", nowMs: nowMs)
        } ?? nowMs
        let fromMs = try query["from"].map { text throws(APIError) in
            try HistoryRange.parseTime(String(text), name: "from", nowMs: nowMs)
        } ?? toMs - 86_400_000
        guard fromMs < toMs else { throw APIError.badRequest("from: must be before to (\(fromMs) ≥ \(toMs))") }
        var ids = spec.machines.map(\.id)
        if let machine = query["machine"].map(String.init) {
            guard !machine.isEmpty else { throw APIError.badRequest("machine: empty; leave it out for every machine") }
            let reported = try await self.context.state.machine(machine)
            guard spec.machine(machine) != nil || reported != nil else {
                throw APIError.notFound("unknown machine: \(machine)")
            }
            ids = [machine]
        }
        let week = Completeness.windows.map(\.ms).max()!
        // Closed gaps of the range asked, and of the last week for completeness.
        let ranged = try await self.context.history.gaps(
            machine: ids.count == 1 ? ids[0] : nil, fromMs: min(fromMs, nowMs - week), toMs: max(toMs, nowMs + 1))
        let states = try await self.context.state.machines(ids)
        var out: [MachineGapsDTO] = []
        for id in ids {
            let intervalMs = (spec.machine(id)?.interval ?? spec.defaults.interval).milliseconds
            let record = ranged[id]
            let last = states[id]?.lastSampleMs
            let all = GapIndex.gaps(record, lastSampleMs: last, intervalMs: intervalMs, nowMs: nowMs)
            let shown = all.filter { $0.toMs > fromMs && $0.fromMs < toMs }.map {
                GapDTO(kind: $0.kind, fromMs: $0.fromMs, toMs: $0.toMs, durationMs: $0.durationMs,
                       batches: $0.kind == .lost ? $0.batches : nil)
            }
            out.append(MachineGapsDTO(
                machine: id, intervalMs: intervalMs, sinceMs: record?.cursor?.sinceMs,
                completeness: record?.cursor.map { Completeness(gaps: all, sinceMs: $0.sinceMs, nowMs: nowMs).ratios },
                gaps: shown))
        }
        return try JSONResponse.make(Answer(fromMs: fromMs, toMs: toMs, machines: out))
    }
}
