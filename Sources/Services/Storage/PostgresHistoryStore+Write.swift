import SMSCore
import Logging
import PostgresNIO
import Spec

/// `append`: one transaction per call, one multi-row statement per table, deduplicated against the database's
/// high-water marks (so a retry after a lost COMMIT reply, or another aggregator, never stores a batch twice).
extension PostgresHistoryStore {
    /// The rows one call writes, gathered in Swift and sent as arrays.
    struct RawRows {
        var machineIds: [Int32] = []
        var layoutIds: [Int32] = []
        var times: [Int64] = []
        var seqs: [Int64] = []
        var offsets: [Int32] = []
        var counts: [Int32] = []
        var values: [Double] = []
        /// (machine, tier, bucket) of every rollup bucket the rows touch.
        var dirty: Set<DirtyBucket> = []
    }

    /// Dictionary entries created by the running transaction, merged into `state` only once it commits.
    struct NewEntries {
        var series: [String: [SeriesKey: Int32]] = [:]
        var layouts: [String: [[Int32]: Int32]] = [:]
        var layoutLists: [Int32: [Int32]] = [:]
        var highWaters: [String: UInt64] = [:]
    }

    @discardableResult
    public func append(_ batches: [Batch]) async throws -> AppendResult {
        try checkOpen()
        guard pendingAppends < options.maxPendingAppends else {
            throw HistoryStoreError(
                "history store is backlogged: \(pendingAppends) appends are waiting for PostgreSQL at "
                    + "\(connections.target.described); nothing of this call was stored")
        }
        return try await exclusive {
            let ordered = Batch.inSeqOrder(batches)
            guard !ordered.isEmpty else { return AppendResult(stored: 0, duplicates: 0) }
            return try await retryingOutages("storing \(batches.count) batches") {
                try await ensureMachines(Set(ordered.map(\.machine)))
                try await ensurePartitions(
                    days: Set(ordered.map { PartitionDay(containing: $0.timestampMs).day }))
                let (result, entries) = try await connections.transaction(logger: logger) { db in
                    try await writeBatches(ordered, db)
                }
                merge(entries)
                return result
            }
        }
    }

    /// Machine ids for names not seen yet; created race-free (`ON CONFLICT DO NOTHING`, then read back).
    private func ensureMachines(_ names: Set<String>) async throws {
        let missing = names.filter { state.machines[$0] == nil }.sorted()
        guard !missing.isEmpty else { return }
        let rows = try await connections.with { db in
            try await db.query(
                "INSERT INTO machines (name) SELECT unnest(\(missing)::text[]) ON CONFLICT (name) DO NOTHING",
                logger: logger)
            return try await db.query(
                "SELECT id, name, high_water FROM machines WHERE name = ANY(\(missing)::text[])",
                logger: logger
            ).collect()
        }
        for row in rows {
            let (id, name, highWater) = try row.decode((Int32, String, Int64?).self)
            state.machines[name] = State.Machine(
                id: id, highWater: highWater.map { UInt64(bitPattern: $0) })
        }
    }

    /// The transaction's body: lock the machines' rows, skip duplicates, write samples, marks and high waters.
    private func writeBatches(_ ordered: [Batch], _ db: PostgresConnection) async throws -> (
        AppendResult, NewEntries
    ) {
        let ids = Set(ordered.map { state.machines[$0.machine]!.id }).sorted()
        var highWaters: [Int32: UInt64] = [:]
        for try await (id, highWater) in try await db.query(
            "SELECT id, high_water FROM machines WHERE id = ANY(\(ids)::int4[]) ORDER BY id FOR UPDATE",
            logger: logger
        ).decode((Int32, Int64?).self) {
            if let highWater { highWaters[id] = UInt64(bitPattern: highWater) }
        }
        var result = AppendResult(stored: 0, duplicates: 0)
        var accepted: [Batch] = []
        for batch in ordered {
            let id = state.machines[batch.machine]!.id
            if let highWater = highWaters[id], batch.seq <= highWater {
                result.duplicates += 1
                continue
            }
            highWaters[id] = batch.seq
            accepted.append(batch)
        }
        result.stored = accepted.count
        var entries = NewEntries()
        guard !accepted.isEmpty else { return (result, entries) }
        try await createSeries(for: accepted, db, into: &entries)
        try await createLayouts(for: accepted, db, into: &entries)
        let rows = rawRows(accepted, entries)
        try await insert(rows, db)
        let touched = Array(Set(accepted.map { state.machines[$0.machine]!.id }))
        let marks = touched.map { Int64(bitPattern: highWaters[$0]!) }
        try await db.query(
            """
            UPDATE machines SET high_water = v.high_water
            FROM unnest(\(touched)::int4[], \(marks)::int8[]) AS v(id, high_water) WHERE machines.id = v.id
            """, logger: logger)
        for name in Set(accepted.map(\.machine)) {
            entries.highWaters[name] = highWaters[state.machines[name]!.id]
        }
        return (result, entries)
    }

    /// Series ids for keys not in the dictionary yet, created in this transaction.
    private func createSeries(
        for batches: [Batch], _ db: PostgresConnection, into entries: inout NewEntries
    )
        async throws
    {
        var machineIds: [Int32] = []
        var metrics: [String] = []
        var labels: [String] = []
        var seen: Set<Pair<String, SeriesKey>> = []
        for batch in batches {
            let machine = state.machines[batch.machine]!
            for sample in batch.samples where machine.seriesIds[sample.series] == nil {
                guard seen.insert(Pair(batch.machine, sample.series)).inserted else { continue }
                machineIds.append(machine.id)
                metrics.append(sample.series.metric)
                labels.append(SQLiteHistoryStore.encodeLabels(sample.series.labels))
            }
        }
        guard !machineIds.isEmpty else { return }
        try await db.query(
            """
            INSERT INTO series (machine_id, metric, labels)
            SELECT m, n, l::jsonb FROM unnest(\(machineIds)::int4[], \(metrics)::text[], \(labels)::text[]) AS v(m, n, l)
            ON CONFLICT DO NOTHING
            """, logger: logger)
        let names = Dictionary(state.machines.map { ($0.value.id, $0.key) }) { first, _ in first }
        for try await (id, machineId, metric, text) in try await db.query(
            """
            SELECT s.id, s.machine_id, s.metric, s.labels::text FROM series s
            JOIN unnest(\(machineIds)::int4[], \(metrics)::text[], \(labels)::text[]) AS v(m, n, l)
                ON s.machine_id = v.m AND s.metric = v.n AND s.labels = v.l::jsonb
            """, logger: logger
        ).decode((Int32, Int32, String, String).self) {
            guard let name = names[machineId] else { continue }
            entries.series[name, default: [:]][
                SeriesKey(metric, try SQLiteHistoryStore.decodeLabels(text))] = id
        }
    }

    /// Layout ids for series lists not in the dictionary yet, created in this transaction.
    private func createLayouts(
        for batches: [Batch], _ db: PostgresConnection, into entries: inout NewEntries
    )
        async throws
    {
        var wanted: [Pair<String, [Int32]>] = []
        var seen: Set<Pair<String, [Int32]>> = []
        for batch in batches {
            let list = seriesList(batch, entries)
            let key = Pair(batch.machine, list)
            if state.machines[batch.machine]!.layoutIds[list] == nil, seen.insert(key).inserted {
                wanted.append(key)
            }
        }
        guard !wanted.isEmpty else { return }
        // Arrays of arrays cannot be bound row by row, so the lists travel flattened with offsets and lengths.
        let machineIds = wanted.map { state.machines[$0.first]!.id }
        let lengths = wanted.map { Int32($0.second.count) }
        var starts: [Int32] = []
        var position: Int32 = 0
        for length in lengths {
            starts.append(position)
            position += length
        }
        let flat = wanted.flatMap(\.second)
        try await db.query(
            """
            INSERT INTO layouts (machine_id, series_ids, list_hash)
            SELECT m, ids, md5(ids::text) FROM (
                SELECT m, coalesce((\(flat)::int4[])[o + 1 : o + n], '{}') AS ids
                FROM unnest(\(machineIds)::int4[], \(starts)::int4[], \(lengths)::int4[]) AS v(m, o, n)) AS w
            ON CONFLICT DO NOTHING
            """, logger: logger)
        let names = Dictionary(state.machines.map { ($0.value.id, $0.key) }) { first, _ in first }
        for try await (id, machineId, list) in try await db.query(
            """
            SELECT l.id, l.machine_id, l.series_ids FROM layouts l
            JOIN (SELECT m, coalesce((\(flat)::int4[])[o + 1 : o + n], '{}') AS ids
                  FROM unnest(\(machineIds)::int4[], \(starts)::int4[], \(lengths)::int4[]) AS v(m, o, n)) AS w
                ON l.machine_id = w.m AND l.list_hash = md5(w.ids::text) AND l.series_ids = w.ids
            """, logger: logger
        ).decode((Int32, Int32, [Int32]).self) {
            guard let name = names[machineId] else { continue }
            entries.layouts[name, default: [:]][list] = id
            entries.layoutLists[id] = list
        }
    }

    /// The batch's distinct series ids in value order (a series listed twice keeps its last value, first place).
    private func seriesList(_ batch: Batch, _ entries: NewEntries) -> [Int32] {
        let known = state.machines[batch.machine]!.seriesIds
        let new = entries.series[batch.machine] ?? [:]
        return batch.distinctSamples.map { known[$0.key] ?? new[$0.key]! }
    }

    private func rawRows(_ batches: [Batch], _ entries: NewEntries) -> RawRows {
        var rows = RawRows()
        for batch in batches {
            let machine = state.machines[batch.machine]!
            let list = seriesList(batch, entries)
            rows.machineIds.append(machine.id)
            rows.layoutIds.append(machine.layoutIds[list] ?? entries.layouts[batch.machine]![list]!)
            rows.times.append(batch.timestampMs)
            rows.seqs.append(Int64(bitPattern: batch.seq))
            rows.offsets.append(Int32(rows.values.count))
            rows.counts.append(Int32(list.count))
            rows.values += batch.distinctSamples.map(\.value)
            guard !list.isEmpty else { continue }
            for tier in [HistoryTier.oneMinute, .oneHour] {
                rows.dirty.insert(
                    DirtyBucket(
                        machineId: machine.id, tier: tier,
                        bucket: Rollup.bucket(batch.timestampMs, width: tier.bucketMs!)))
            }
        }
        return rows
    }

    /// All rows in one statement, then the rollup buckets they make dirty.
    private func insert(_ rows: RawRows, _ db: PostgresConnection) async throws {
        try await db.query(
            """
            INSERT INTO samples (machine_id, layout_id, t, seq, vals)
            SELECT m, l, t, s, coalesce((\(rows.values)::float8[])[o + 1 : o + n], '{}')
            FROM unnest(\(rows.machineIds)::int4[], \(rows.layoutIds)::int4[], \(rows.times)::int8[],
                \(rows.seqs)::int8[], \(rows.offsets)::int4[], \(rows.counts)::int4[]) AS v(m, l, t, s, o, n)
            ON CONFLICT DO NOTHING
            """, logger: logger)
        let dirty = Array(rows.dirty)
        try await db.query(
            """
            INSERT INTO rollup_dirty (machine_id, tier, bucket)
            SELECT * FROM unnest(\(dirty.map(\.machineId))::int4[], \(dirty.map(\.tier.rawValue))::text[],
                \(dirty.map(\.bucket))::int8[])
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// Folds a committed transaction's new dictionary entries and high waters into `state`.
    func merge(_ entries: NewEntries) {
        for (name, series) in entries.series { state.machines[name]?.seriesIds.merge(series) { $1 } }
        for (name, layouts) in entries.layouts { state.machines[name]?.layoutIds.merge(layouts) { $1 } }
        state.layouts.merge(entries.layoutLists) { $1 }
        for (name, highWater) in entries.highWaters { state.machines[name]?.highWater = highWater }
    }
}

/// One rollup bucket of one machine that must be recomputed from raw samples.
struct DirtyBucket: Hashable, Sendable {
    var machineId: Int32
    var tier: HistoryTier
    var bucket: Int64
}

/// A hashable pair (tuples are not).
struct Pair<A: Hashable, B: Hashable>: Hashable {
    var first: A
    var second: B
    init(_ first: A, _ second: B) {
        self.first = first
        self.second = second
    }
}
