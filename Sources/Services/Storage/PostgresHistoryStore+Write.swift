import SMSCore
import Logging
import NIOCore
import PostgresNIO
import Spec

/// `append` and sealing: one transaction per call. The machines' rows are locked, duplicates are skipped against
/// the database's high-water marks (so a retry after a lost COMMIT reply, or another aggregator, never stores a
/// batch twice), each machine gets one write-ahead row, and full open blocks are sealed.
extension PostgresHistoryStore {
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
                try await write(ordered, sealing: [])
            }
        }
    }

    /// One transaction: appends `ordered` (runs of one machine, in seq order) and seals the open blocks of the
    /// machines named in `sealing`. The machines taking part leave `state` while it runs, so their open blocks
    /// change in place rather than being copied; they come back once it commits, and are forgotten when it fails
    /// (the next write reads them back from the database).
    func write(_ ordered: [Batch], sealing: Set<String>) async throws -> AppendResult {
        let names = Set(ordered.map(\.machine)).union(sealing)
        try await ensureMachines(names)
        var taken: [Int32: State.Machine] = [:]
        for name in names {
            if let machine = state.machines.removeValue(forKey: name) { taken[machine.id] = machine }
        }
        let result = try await connections.transaction(logger: logger) { db in
            try await writeTransaction(ordered, sealing: sealing, machines: &taken, db)
        }
        for machine in taken.values { state.machines[machine.name] = machine }
        return result
    }

    /// Machine ids for names not known yet; created race-free (`ON CONFLICT DO NOTHING`, then read back).
    private func ensureMachines(_ names: Set<String>) async throws {
        let missing = names.filter { state.machines[$0] == nil }.sorted()
        guard !missing.isEmpty else { return }
        let rows = try await connections.with { db in
            try await db.query(
                "INSERT INTO machines (name) SELECT unnest(\(missing)::text[]) ON CONFLICT (name) DO NOTHING",
                logger: logger)
            return try await db.query(
                "SELECT id, name FROM machines WHERE name = ANY(\(missing)::text[])", logger: logger
            ).collect()
        }
        for row in rows {
            let (id, name) = try row.decode((Int32, String).self)
            state.machines[name] = State.Machine(id: id, name: name)
        }
    }

    /// The transaction's body: lock the machines' rows, catch up on what another store wrote, append, seal, write.
    private func writeTransaction(
        _ ordered: [Batch], sealing: Set<String>, machines: inout [Int32: State.Machine], _ db: PostgresConnection
    ) async throws -> AppendResult {
        var byName: [String: Int32] = [:]
        for (id, machine) in machines { byName[machine.name] = id }
        try await lock(&machines, db)
        try await createSeries(for: ordered, machines: &machines, byName: byName, db)
        var rows = WriteRows()
        var result = AppendResult(stored: 0, duplicates: 0)
        var start = 0
        while start < ordered.count {
            var end = start + 1
            while end < ordered.count && ordered[end].machine == ordered[start].machine { end += 1 }
            let id = byName[ordered[start].machine]!
            var machine = machines.removeValue(forKey: id)!
            appendRun(ordered[start..<end], to: &machine, rows: &rows, result: &result)
            machines[id] = machine
            start = end
        }
        for name in sealing {
            let id = byName[name]!
            rows.seal(&machines[id]!)
        }
        rows.touched = machines.values.map { ($0.id, $0.highWater, $0.sealedSeq) }
        try await Self.execute(rows, db, logger: logger)
        return result
    }

    /// Locks the machines' rows; a machine whose mark or seal differs from what this store remembers (or whose
    /// open block was never read) gets its open block read back from its write-ahead rows.
    private func lock(_ machines: inout [Int32: State.Machine], _ db: PostgresConnection) async throws {
        var stale: [Int32] = []
        for try await (id, highWater, sealed) in try await db.query(
            """
            SELECT id, high_water, sealed_seq FROM machines WHERE id = ANY(\(Array(machines.keys))::int4[])
            ORDER BY id FOR UPDATE
            """, logger: logger
        ).decode((Int32, Int64?, Int64?).self) {
            let highWater = highWater.map { UInt64(bitPattern: $0) }
            let sealed = sealed.map { UInt64(bitPattern: $0) }
            guard !machines[id]!.current || machines[id]!.highWater != highWater || machines[id]!.sealedSeq != sealed
            else { continue }
            machines[id]!.highWater = highWater
            machines[id]!.sealedSeq = sealed
            machines[id]!.open = OpenBlock()
            machines[id]!.current = true
            stale.append(id)
        }
        guard !stale.isEmpty else { return }
        for try await (id, record) in try await db.query(
            "SELECT machine_id, record FROM wal WHERE machine_id = ANY(\(stale)::int4[]) ORDER BY machine_id, last_seq",
            logger: logger
        ).decode((Int32, ByteBuffer).self) {
            let sealed = machines[id]!.sealedSeq
            for entry in try WALRecord.decode(Array(record.readableBytesView)) {
                if let sealed, entry.seq <= sealed { continue }
                machines[id]!.open.append(seq: entry.seq, time: entry.time, samples: entry.samples)
            }
        }
    }

    /// Series ids for keys the machines do not know yet, created in this transaction (or read back when another
    /// store created them).
    private func createSeries(
        for batches: [Batch], machines: inout [Int32: State.Machine], byName: [String: Int32],
        _ db: PostgresConnection
    ) async throws {
        var machineIds: [Int32] = []
        var metrics: [String] = []
        var labels: [String] = []
        var seen: Set<Pair<Int32, SeriesKey>> = []
        for batch in batches {
            let id = byName[batch.machine]!
            for (index, sample) in batch.samples.enumerated() {
                if machines[id]!.lastIds.value(at: index, for: sample.series) != nil
                    || machines[id]!.seriesIds[sample.series] != nil
                    || !seen.insert(Pair(id, sample.series)).inserted
                {
                    continue
                }
                machineIds.append(id)
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
        for try await (id, machineId, metric, text) in try await db.query(
            """
            SELECT s.id, s.machine_id, s.metric, s.labels::text FROM series s
            JOIN unnest(\(machineIds)::int4[], \(metrics)::text[], \(labels)::text[]) AS v(m, n, l)
                ON s.machine_id = v.m AND s.metric = v.n AND s.labels = v.l::jsonb
            """, logger: logger
        ).decode((Int32, Int32, String, String).self) {
            machines[machineId]?.seriesIds[SeriesKey(metric, try SQLiteHistoryStore.decodeLabels(text))] = id
        }
    }

    /// One machine's batches of this call, in seq order: into its open block, sealing when it is full; the
    /// batches not sealed by the end become the call's write-ahead row for the machine.
    private func appendRun(
        _ run: ArraySlice<Batch>, to machine: inout State.Machine, rows: inout WriteRows, result: inout AppendResult
    ) {
        let pending = OpenBlock.appendRun(
            run, to: &machine, blockBatches: options.blockBatches, spanMs: options.blockSpanMs, result: &result,
            seriesId: { key, index, machine in Int64(seriesId(for: key, at: index, machine: &machine)) },
            seal: { rows.seal(&$0) })
        if let last = pending.last {
            rows.walMachines.append(machine.id)
            rows.walSeqs.append(Int64(bitPattern: last.seq))
            rows.walSamples.append(Int32(pending.reduce(0) { $0 + $1.samples.count }))
            rows.walRecords.append(ByteBuffer(bytes: WALRecord.encode(pending)))
        }
    }

    /// The id of the series at position `index`: the last batch's there when it is the same key, else looked up
    /// (`createSeries` made every missing one).
    private func seriesId(for key: SeriesKey, at index: Int, machine: inout State.Machine) -> Int32 {
        if let known = machine.lastIds.value(at: index, for: key) { return known }
        let id = machine.seriesIds[key]!
        machine.lastIds.remember(id, at: index, for: key)
        return id
    }

    /// Writes the rows: seals first (they delete the machines' earlier write-ahead rows), then the new
    /// write-ahead rows and the machines' marks. One statement per table, arrays unnested on the server.
    static func execute(_ rows: WriteRows, _ db: PostgresConnection, logger: Logger) async throws {
        if !rows.sealed.isEmpty {
            try await db.query("DELETE FROM wal WHERE machine_id = ANY(\(rows.sealed)::int4[])", logger: logger)
            try await db.query(
                """
                INSERT INTO blocks (machine_id, start_ms, end_ms, first_seq, last_seq, samples, data)
                SELECT * FROM unnest(\(rows.blockMachines)::int4[], \(rows.blockStarts)::int8[],
                    \(rows.blockEnds)::int8[], \(rows.blockFirstSeqs)::int8[], \(rows.blockLastSeqs)::int8[],
                    \(rows.blockSamples)::int4[], \(rows.blockData)::bytea[])
                """, logger: logger)
            for (tier, merged) in rows.rollups {
                var columns = RollupColumns()
                for (key, rollup) in merged { columns.append(key.seriesId, key.bucket, rollup) }
                try await db.query(
                    """
                    INSERT INTO \(unescaped: rollupTable(tier)) AS r
                        (series_id, bucket, min_value, max_value, sum_value, count, last_value)
                    SELECT * FROM unnest(\(columns.series)::int4[], \(columns.buckets)::int8[],
                        \(columns.mins)::float8[], \(columns.maxes)::float8[], \(columns.sums)::float8[],
                        \(columns.counts)::int4[], \(columns.lasts)::float8[])
                    ON CONFLICT (series_id, bucket) DO UPDATE SET min_value = least(r.min_value, excluded.min_value),
                        max_value = greatest(r.max_value, excluded.max_value),
                        sum_value = r.sum_value + excluded.sum_value, count = r.count + excluded.count,
                        last_value = excluded.last_value
                    """, logger: logger)
            }
        }
        if !rows.walMachines.isEmpty {
            try await db.query(
                """
                INSERT INTO wal (machine_id, last_seq, samples, record)
                SELECT * FROM unnest(\(rows.walMachines)::int4[], \(rows.walSeqs)::int8[], \(rows.walSamples)::int4[],
                    \(rows.walRecords)::bytea[])
                """, logger: logger)
        }
        // A machine with a mark took part with batches (now or before); one without has nothing to record.
        let touched = rows.touched.filter { $0.highWater != nil }
        guard !touched.isEmpty else { return }
        let ids = touched.map(\.id)
        let marks = touched.map { Int64(bitPattern: $0.highWater!) }
        let hasSeal = touched.map { $0.sealed != nil }
        let seals = touched.map { Int64(bitPattern: $0.sealed ?? 0) }
        try await db.query(
            """
            UPDATE machines SET high_water = v.high_water, sealed_seq = CASE WHEN v.has_seal THEN v.sealed_seq END
            FROM unnest(\(ids)::int4[], \(marks)::int8[], \(hasSeal)::bool[], \(seals)::int8[])
                AS v(id, high_water, has_seal, sealed_seq)
            WHERE machines.id = v.id
            """, logger: logger)
    }

    static func rollupTable(_ tier: HistoryTier) -> String { tier == .oneHour ? "rollup_1h" : "rollup_1m" }
}

/// Everything one transaction writes, as columns for `unnest`.
struct WriteRows {
    var walMachines: [Int32] = []
    var walSeqs: [Int64] = []
    var walSamples: [Int32] = []
    var walRecords: [ByteBuffer] = []
    var sealed: [Int32] = []
    var blockMachines: [Int32] = []
    var blockStarts: [Int64] = []
    var blockEnds: [Int64] = []
    var blockFirstSeqs: [Int64] = []
    var blockLastSeqs: [Int64] = []
    var blockSamples: [Int32] = []
    var blockData: [ByteBuffer] = []
    /// The sealed blocks' rollups, blocks of one bucket merged in seal order (the statement may not touch a row
    /// twice).
    var rollups: [HistoryTier: [RollupKey: Rollup]] = [:]
    /// Every machine taking part, with its marks after the transaction.
    var touched: [(id: Int32, highWater: UInt64?, sealed: UInt64?)] = []

    /// Compresses the machine's open block into a block row and its rollups, and empties it.
    mutating func seal(_ machine: inout PostgresHistoryStore.State.Machine) {
        let open = machine.open
        guard !open.isEmpty else { return }
        seal(open, machineId: machine.id)
        machine.sealedSeq = open.lastSeq
        machine.sealedHere = true
        machine.open = OpenBlock()
    }

    mutating func seal(_ open: OpenBlock, machineId: Int32) {
        blockMachines.append(machineId)
        blockStarts.append(open.times.min()!)
        blockEnds.append(open.times.max()!)
        blockFirstSeqs.append(Int64(bitPattern: open.firstSeq!))
        blockLastSeqs.append(Int64(bitPattern: open.lastSeq!))
        blockSamples.append(Int32(open.sampleCount))
        blockData.append(ByteBuffer(bytes: open.encoded()))
        for tier in [HistoryTier.oneMinute, .oneHour] {
            for (seriesId, buckets) in open.rollups(width: tier.bucketMs!) {
                for (bucket, rollup) in buckets {
                    let key = RollupKey(seriesId: Int32(truncatingIfNeeded: seriesId), bucket: bucket)
                    if var earlier = rollups[tier]?[key] {
                        earlier.merge(later: rollup)
                        rollups[tier]![key] = earlier
                    } else {
                        rollups[tier, default: [:]][key] = rollup
                    }
                }
            }
        }
        sealed.append(machineId)
    }
}

/// One rollup row's key.
struct RollupKey: Hashable {
    var seriesId: Int32
    var bucket: Int64
}

/// Rollup rows as column arrays, for one `unnest` insert.
struct RollupColumns {
    var series: [Int32] = []
    var buckets: [Int64] = []
    var mins: [Double] = []
    var maxes: [Double] = []
    var sums: [Double] = []
    var counts: [Int32] = []
    var lasts: [Double] = []

    mutating func append(_ id: Int32, _ bucket: Int64, _ rollup: Rollup) {
        series.append(id)
        buckets.append(bucket)
        mins.append(rollup.min)
        maxes.append(rollup.max)
        sums.append(rollup.sum)
        counts.append(Int32(rollup.count))
        lasts.append(rollup.last)
    }
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
