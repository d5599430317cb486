import SMSCore
import Spec

/// The Prometheus view of sms's history: every stored series of every machine, as `sms_…{machine=…, …}`.
///
/// Ranges up to 6 hours read raw samples; longer ones read the rollup tier the step allows (1-minute or 1-hour
/// buckets, each bucket's average at its start), as the dashboard does.
struct HistoryPromSource: PromSeriesSource {
    let context: GatewayContext

    /// Machines the spec declares plus any still reporting.
    func machines() async throws -> [String] {
        var ids = context.spec.current().spec.machines.map(\.id)
        let declared = Set(ids)
        for state in try await context.state.all() where !declared.contains(state.id) { ids.append(state.id) }
        return ids
    }

    /// The label sets of every known series that `selectors` match (any of them; all series when empty).
    func seriesLabels(matching selectors: [PromSelector]) async throws -> [(
        machine: String, key: SeriesKey, labels: [String: String]
    )] {
        var out: [(machine: String, key: SeriesKey, labels: [String: String])] = []
        for machine in try await machines() {
            // Most selectors name the machine: skip the others without reading their series.
            if !selectors.isEmpty, !selectors.contains(where: { $0.mayMatch(machine: machine) }) { continue }
            for key in try await context.history.series(machine: machine) {
                guard let sample = PromSample.make(machine: machine, series: key, value: 0, timestampMs: nil) else {
                    continue
                }
                let labels = sample.matchLabels
                if selectors.isEmpty || selectors.contains(where: { $0.matches(labels) }) {
                    out.append((machine: machine, key: key, labels: labels))
                }
            }
        }
        return out
    }

    func select(_ selector: PromSelector, fromMs: Int64, toMs: Int64, stepMs: Int64) async throws -> [PromSeries] {
        let matched = try await seriesLabels(matching: [selector])
        var byQuery: [String: [SeriesKey: [String: String]]] = [:]
        for m in matched { byQuery["\(m.machine)\u{0}\(m.key.metric)", default: [:]][m.key] = m.labels }
        var out: [PromSeries] = []
        let raw = toMs - fromMs <= 6 * 3_600_000
        for (query, wanted) in byQuery.sorted(by: { $0.key < $1.key }) {
            let parts = query.split(separator: "\u{0}", maxSplits: 1).map(String.init)
            let q = HistoryQuery(
                machine: parts[0], metric: parts[1], fromMs: fromMs, toMs: toMs,
                stepMs: raw ? nil : max(60_000, (stepMs + 59_999) / 60_000 * 60_000), tier: raw ? .raw : nil)
            for series in try await context.history.query(q) {
                guard let labels = wanted[series.series] else { continue }
                out.append(PromSeries(labels: labels, t: series.points.map(\.t), v: series.points.map(\.value)))
            }
        }
        return out
    }
}

extension PromSelector {
    /// False only when a `machine` matcher surely excludes `machine`.
    func mayMatch(machine: String) -> Bool {
        matchers.allSatisfy { $0.label != "machine" || $0.matches(["machine": machine]) }
    }
}
