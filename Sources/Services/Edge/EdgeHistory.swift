import SMSCore
import Synchronization

/// The last minutes of every series the gateway pushed, so the edge's machine view can draw short ranges.
///
/// The edge has no database: it keeps what the public view shows right now and nothing older than `keepMs`.
final class EdgeHistory: Sendable {
    private struct Ring {
        var t: [Int64] = []
        var v: [Double] = []
    }

    let keepMs: Int64
    private let rings = Mutex<[String: [SeriesKey: Ring]]>([:])

    init(keepMs: Int64) { self.keepMs = keepMs }

    /// Appends a detail's samples at its sample time.
    func record(_ detail: MachineDetail) {
        guard let t = detail.machine.lastSampleMs else { return }
        rings.withLock { all in
            var machine = all[detail.machine.id] ?? [:]
            for sample in detail.samples {
                let key = SeriesKey(sample.metric, sample.labels)
                var ring = machine[key] ?? Ring()
                guard ring.t.last.map({ $0 < t }) ?? true else { continue }
                ring.t.append(t)
                ring.v.append(sample.value)
                let drop = ring.t.prefix { $0 < t - keepMs }.count
                if drop > 0 {
                    ring.t.removeFirst(drop)
                    ring.v.removeFirst(drop)
                }
                machine[key] = ring
            }
            all[detail.machine.id] = machine
        }
    }

    /// Points of the machine's series of `metric` matching `labels` in [fromMs, toMs], raw.
    func query(machine: String, metric: String, labels: [String: String], fromMs: Int64, toMs: Int64)
        -> [HistorySeries]
    {
        let rings = self.rings.withLock { $0[machine] ?? [:] }
        return rings.filter { $0.key.metric == metric && $0.key.matches(labels: labels) }.sorted { $0.key < $1.key }
            .compactMap { key, ring in
                let points = zip(ring.t, ring.v).filter { $0.0 >= fromMs && $0.0 <= toMs }
                    .map { HistoryPoint(t: $0.0, value: $0.1) }
                return points.isEmpty ? nil : HistorySeries(series: key, tier: .raw, points: points)
            }
    }

    func series(machine: String) -> [SeriesKey] {
        rings.withLock { ($0[machine] ?? [:]).keys.sorted() }
    }
}
