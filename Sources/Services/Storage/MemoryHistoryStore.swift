import SMSCore
import Spec

/// History kept in memory: the twin of the SQLite store for logic tests (nothing survives the process).
public actor MemoryHistoryStore: HistoryStore {
    /// One series' raw samples in arrival order, and its rollups by bucket start.
    private struct SeriesData {
        var times: [Int64] = []
        var values: [Double] = []
        var rollups: [HistoryTier: [Int64: Rollup]] = [:]
    }

    private struct MachineData {
        var highWater: UInt64?
        var epoch: SeqEpoch?
        var series: [SeriesKey: SeriesData] = [:]
    }

    private var machines: [String: MachineData] = [:]
    private var gapRecords: [String: MachineGaps] = [:]
    private var cutoffs = RetentionCutoffs()
    private var isClosed = false

    public init() {}

    @discardableResult
    public func append(_ batches: [Batch]) throws -> AppendResult {
        try checkOpen()
        var result = AppendResult(stored: 0, duplicates: 0)
        for batch in Batch.inSeqOrder(batches) {
            var machine = machines[batch.machine] ?? MachineData()
            if let highWater = machine.highWater, batch.seq <= highWater {
                result.duplicates += 1
                continue
            }
            for (key, value) in batch.distinctSamples {
                var data = machine.series[key] ?? SeriesData()
                data.times.append(batch.timestampMs)
                data.values.append(value)
                if !value.isNaN {
                    for tier in [HistoryTier.oneMinute, .oneHour] {
                        let bucket = Rollup.bucket(batch.timestampMs, width: tier.bucketMs!)
                        if var rollup = data.rollups[tier]?[bucket] {
                            rollup.add(value)
                            data.rollups[tier]![bucket] = rollup
                        } else {
                            data.rollups[tier, default: [:]][bucket] = Rollup(value)
                        }
                    }
                }
                machine.series[key] = data
            }
            machine.highWater = batch.seq
            machines[batch.machine] = machine
            result.stored += 1
        }
        return result
    }

    public func highWater(machine: String) throws -> UInt64? {
        try checkOpen()
        return machines[machine]?.highWater
    }

    public func epoch(machine: String) throws -> SeqEpoch? {
        try checkOpen()
        return machines[machine]?.epoch
    }

    public func setEpoch(_ epoch: SeqEpoch, machine: String) throws {
        try checkOpen()
        machines[machine, default: MachineData()].epoch = epoch
    }

    public func query(_ q: HistoryQuery) throws -> [HistorySeries] {
        try checkOpen()
        let tier = q.resolvedTier(cutoffs: cutoffs)
        let cutoff = cutoffs.cutoff(tier)
        var answer: [HistorySeries] = []
        for (key, data) in machines[q.machine]?.series ?? [:]
        where key.metric == q.metric && key.matches(labels: q.labels) {
            let points: [HistoryPoint]
            if let width = tier.bucketMs {
                let rows = (data.rollups[tier] ?? [:]).filter {
                    $0.key >= cutoff && q.overlaps(bucket: $0.key, width: width)
                }
                points = q.shape(
                    rollups: rows.sorted { $0.key < $1.key }.map { (t: $0.key, rollup: $0.value) }, width: width)
            } else {
                let samples = zip(data.times, data.values).filter { $0.0 >= max(q.fromMs, cutoff) && $0.0 <= q.toMs }
                points = q.shape(raw: samples.map { (t: $0.0, value: $0.1) })
            }
            if !points.isEmpty { answer.append(HistorySeries(series: key, tier: tier, points: points)) }
        }
        return answer.sorted { $0.series < $1.series }
    }

    public func series(machine: String) throws -> [SeriesKey] {
        try checkOpen()
        return (machines[machine]?.series.keys).map { $0.sorted() } ?? []
    }

    public func enforceRetention(_ retention: Retention, nowMs: Int64) throws {
        try checkOpen()
        cutoffs = cutoffs.advanced(by: retention, nowMs: nowMs)
        for (name, var machine) in machines {
            for (key, var data) in machine.series {
                let keep = data.times.indices.filter { data.times[$0] >= cutoffs.raw }
                data.times = keep.map { data.times[$0] }
                data.values = keep.map { data.values[$0] }
                for tier in [HistoryTier.oneMinute, .oneHour] {
                    data.rollups[tier] = data.rollups[tier]?.filter { $0.key >= cutoffs.cutoff(tier) }
                }
                machine.series[key] = data
            }
            machines[name] = machine
        }
    }

    public func close() throws {
        try checkOpen()
        isClosed = true
    }

    public func stats() throws -> HistoryStats {
        try checkOpen()
        let samples = machines.values.reduce(0) { $0 + $1.series.values.reduce(0) { $0 + $1.times.count } }
        // What the samples take here: a timestamp and a double each.
        return HistoryStats(samples: samples, rawBytes: samples * 16, totalBytes: samples * 16)
    }

    public func recordGaps(_ update: GapUpdate) throws {
        try checkOpen()
        for (machine, gaps) in update.gaps {
            var record = gapRecords[machine] ?? MachineGaps(cursor: nil, gaps: [])
            let starts = Set(gaps.map(\.fromMs))
            record.gaps = (record.gaps.filter { !starts.contains($0.fromMs) } + gaps).sorted { $0.fromMs < $1.fromMs }
            gapRecords[machine] = record
        }
        for (machine, cursor) in update.cursors { gapRecords[machine, default: MachineGaps(cursor: nil, gaps: [])].cursor = cursor }
    }

    public func gaps(machine: String?, fromMs: Int64, toMs: Int64) throws -> [String: MachineGaps] {
        try checkOpen()
        var out: [String: MachineGaps] = [:]
        for (name, record) in gapRecords where machine == nil || machine == name {
            out[name] = MachineGaps(cursor: record.cursor, gaps: record.gaps.filter { $0.toMs > fromMs && $0.fromMs < toMs })
        }
        return out
    }

    private func checkOpen() throws {
        if isClosed { throw HistoryStoreError.closed }
    }
}
