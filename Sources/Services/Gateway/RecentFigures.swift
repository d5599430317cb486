import SMSCore
import Synchronization

/// The last ~120 s of each machine's card figures (CPU, memory, network), so a dashboard that just connected
/// draws full sparklines at once instead of filling them over two minutes.
struct RecentFigures: Sendable, Codable, Equatable {
    var t: [Int64] = []
    var cpu: [Double?] = []
    var mem: [Double?] = []
    var net: [Double?] = []

    /// Appends one sample's figures (rounded: they feed 20-pixel-high sparklines) and drops the old ones.
    mutating func append(_ timestampMs: Int64, _ kv: KeyValues, keepMs: Int64) {
        guard t.last.map({ $0 < timestampMs }) ?? true else { return }
        t.append(timestampMs)
        cpu.append(kv.cpu.map { ($0 * 10).rounded() / 10 })
        mem.append(kv.memory.map { ($0 * 10).rounded() / 10 })
        let net = kv.netRxBytes == nil && kv.netTxBytes == nil ? nil : (kv.netRxBytes ?? 0) + (kv.netTxBytes ?? 0)
        self.net.append(net.map { $0.rounded() })
        let drop = t.prefix { $0 < timestampMs - keepMs }.count
        if drop > 0 {
            t.removeFirst(drop)
            cpu.removeFirst(drop)
            mem.removeFirst(drop)
            self.net.removeFirst(drop)
        }
    }

    /// These figures up to the first of `later`'s, then all of `later`'s.
    func merged(before later: RecentFigures) -> RecentFigures {
        guard let first = later.t.first else { return self }
        let n = t.prefix { $0 < first }.count
        return RecentFigures(
            t: Array(t.prefix(n)) + later.t, cpu: Array(cpu.prefix(n)) + later.cpu, mem: Array(mem.prefix(n)) + later.mem,
            net: Array(net.prefix(n)) + later.net)
    }
}

/// Recent figures of every machine, fed by the live feed from bus batches.
final class RecentFiguresBook: Sendable {
    static let keepMs: Int64 = 120_000
    private let book = Mutex<[String: RecentFigures]>([:])
    /// Each machine's figures from its newest batch, and that batch's time: the live feed's summaries use them
    /// instead of picking them out of the machine's state again. With them, which figure each position of the
    /// machine's batches feeds.
    private struct Newest {
        var timestampMs: Int64 = .min
        var values = KeyValues()
        var layout = PositionalMemo<SeriesKey, Int>()
    }
    private let newest = Mutex<[String: Newest]>([:])

    /// Records a batch's card figures.
    func record(_ batch: Batch) {
        let kv = newest.withLock { n in
            Self.update(&n[batch.machine, default: Newest()]) { entry in
                let kv = FleetView.keyValues(batch.samples, layout: &entry.layout)
                if entry.timestampMs < batch.timestampMs { (entry.timestampMs, entry.values) = (batch.timestampMs, kv) }
                return kv
            }
        }
        book.withLock { $0[batch.machine, default: RecentFigures()].append(batch.timestampMs, kv, keepMs: Self.keepMs) }
    }

    private static func update<T>(_ entry: inout Newest, _ change: (inout Newest) -> T) -> T { change(&entry) }

    /// The figures of the machine's batch taken at `timestampMs`, when that is the newest one recorded here.
    func figures(_ machine: String, at timestampMs: Int64?) -> KeyValues? {
        guard let timestampMs else { return nil }
        return newest.withLock { n in n[machine].flatMap { $0.timestampMs == timestampMs ? $0.values : nil } }
    }

    /// The metrics the card's sparklines are drawn from.
    static let sparklineMetrics = ["cpu.usage_percent", "memory.used_percent", "net.rx_bytes_per_second", "net.tx_bytes_per_second"]

    /// Fills the two minutes before `nowMs` from history, under whatever live batches recorded meanwhile: a gateway
    /// that just (re)started shows full sparklines, not empty ones filling over two minutes.
    func seed(from history: any HistoryStore, machines: [String], nowMs: Int64) async {
        for machine in machines {
            if Task.isCancelled { return }
            var byTime: [Int64: [Sample]] = [:]
            for metric in Self.sparklineMetrics {
                let query = HistoryQuery(machine: machine, metric: metric, fromMs: nowMs - Self.keepMs, toMs: nowMs, tier: .raw)
                guard let found = try? await history.query(query) else { continue }
                for series in found {
                    for point in series.points { byTime[point.t, default: []].append(Sample(series.series, point.value)) }
                }
            }
            guard !byTime.isEmpty else { continue }
            var seeded = RecentFigures()
            for t in byTime.keys.sorted() { seeded.append(t, FleetView.keyValues(byTime[t] ?? []), keepMs: Self.keepMs) }
            book.withLock { $0[machine] = seeded.merged(before: $0[machine] ?? RecentFigures()) }
        }
    }

    /// A copy of every machine's recent figures, for a snapshot.
    func all() -> [String: RecentFigures] { book.withLock { $0 } }
}
