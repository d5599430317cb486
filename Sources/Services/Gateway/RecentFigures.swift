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
}

/// Recent figures of every machine, fed by the live feed from bus batches.
final class RecentFiguresBook: Sendable {
    static let keepMs: Int64 = 120_000
    private let book = Mutex<[String: RecentFigures]>([:])
    /// Each machine's figures from its newest batch, and that batch's time: the live feed's summaries use them
    /// instead of picking them out of the machine's state again.
    private let newest = Mutex<[String: (timestampMs: Int64, values: KeyValues)]>([:])

    /// Records a batch's card figures.
    func record(_ batch: Batch) {
        let kv = FleetView.keyValues(batch.samples)
        book.withLock { $0[batch.machine, default: RecentFigures()].append(batch.timestampMs, kv, keepMs: Self.keepMs) }
        newest.withLock { n in
            if (n[batch.machine]?.timestampMs ?? .min) < batch.timestampMs { n[batch.machine] = (batch.timestampMs, kv) }
        }
    }

    /// The figures of the machine's batch taken at `timestampMs`, when that is the newest one recorded here.
    func figures(_ machine: String, at timestampMs: Int64?) -> KeyValues? {
        guard let timestampMs else { return nil }
        return newest.withLock { n in n[machine].flatMap { $0.timestampMs == timestampMs ? $0.values : nil } }
    }

    /// A copy of every machine's recent figures, for a snapshot.
    func all() -> [String: RecentFigures] { book.withLock { $0 } }
}
