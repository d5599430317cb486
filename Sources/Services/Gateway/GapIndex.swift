import SMSCore
import Foundation
import Synchronization

/// The gap ledger's records as the gateway shows them: read from the history store at most every few seconds
/// (the ledger writes every two), plus the gap still open for a machine that is silent now (docs/gaps.md).
public final class GapIndex: Sendable {
    private let history: any HistoryStore
    private let cache = Mutex<(atMs: Int64, records: [String: MachineGaps])?>(nil)
    private let maxAgeMs: Int64

    init(history: any HistoryStore, maxAgeMs: Int64 = 2_000) {
        self.history = history
        self.maxAgeMs = maxAgeMs
    }

    /// Every machine's record over the last 7 days (the longest completeness window); empty when the store
    /// cannot answer (completeness is then left out rather than failing the view).
    func records(nowMs: Int64) async -> [String: MachineGaps] {
        if let cached = cache.withLock({ $0 }), nowMs - cached.atMs < maxAgeMs { return cached.records }
        let week = Completeness.windows.map(\.ms).max()!
        guard let records = try? await history.gaps(machine: nil, fromMs: nowMs - week, toMs: nowMs + 1) else {
            return cache.withLock { $0?.records } ?? [:]
        }
        cache.withLock { $0 = (nowMs, records) }
        return records
    }

    /// A machine silent for this long has an open gap: the same judgement as its "down" status.
    static func silentAfterMs(intervalMs: Int64) -> Int64 { max(15_000, 3 * intervalMs) }

    /// Closed gaps of the record plus the open one, if the machine is silent since `lastSampleMs`.
    static func gaps(_ record: MachineGaps?, lastSampleMs: Int64?, intervalMs: Int64, nowMs: Int64) -> [DataGap] {
        var gaps = record?.gaps ?? []
        let last = [lastSampleMs, record?.cursor?.lastMs].compactMap { $0 }.max()
        if let open = MachineGaps.openGap(
            lastSampleMs: last, intervalMs: intervalMs, silentAfterMs: silentAfterMs(intervalMs: intervalMs), nowMs: nowMs)
        {
            gaps.append(open)
        }
        return gaps
    }

    /// Completeness per window (`1h`, `24h`, `7d`); nil until the ledger has a record of the machine.
    static func completeness(_ record: MachineGaps?, lastSampleMs: Int64?, intervalMs: Int64, nowMs: Int64)
        -> [String: Double]?
    {
        guard let since = record?.cursor?.sinceMs else { return nil }
        let gaps = gaps(record, lastSampleMs: lastSampleMs, intervalMs: intervalMs, nowMs: nowMs)
        return Completeness(gaps: gaps, sinceMs: since, nowMs: nowMs).ratios
    }
}
