import SMSCore
import Logging
import NIOCore
import PostgresNIO
import Spec

/// Reading history back: sealed blocks and rollup rows merged with the write-ahead rows not sealed yet. Every read
/// asks the database (not this store's memory) for machines, series, open data and retention cutoffs, since other
/// aggregators write to the same database; a read never waits for an outage.
extension PostgresHistoryStore {
    public func query(_ q: HistoryQuery) async throws -> [HistorySeries] {
        try await readSnapshot { db in
            guard let machineId = try await machineId(q.machine, db) else { return [] }
            let matching = try await seriesOf(machineId: machineId, metric: q.metric, db).filter {
                $0.key.matches(labels: q.labels)
            }
            guard !matching.isEmpty else { return [] }
            let cutoffs = try await Self.loadCutoffs(db, logger: logger)
            let tier = q.resolvedTier(cutoffs: cutoffs)
            let cutoff = cutoffs.cutoff(tier)
            let ids = matching.map(\.id)
            var answer: [HistorySeries] = []
            let open = try await openBlock(machineId: machineId, db)
            if let width = tier.bucketMs {
                let rows = try await rollups(
                    tier, ids: ids, open: open, from: max(cutoff, q.fromMs - width + 1), to: q.toMs, db)
                for (key, id) in matching {
                    let points = q.shape(rollups: rows[id] ?? [], width: width)
                    if !points.isEmpty {
                        answer.append(HistorySeries(series: key, tier: tier, points: points))
                    }
                }
            } else {
                let samples = try await rawSamples(
                    machineId: machineId, ids: ids, open: open, from: max(q.fromMs, cutoff), to: q.toMs, db)
                for (key, id) in matching {
                    let points = q.shape(raw: samples[id] ?? [])
                    if !points.isEmpty {
                        answer.append(HistorySeries(series: key, tier: tier, points: points))
                    }
                }
            }
            return answer.sorted { $0.series < $1.series }
        }
    }

    public func series(machine: String) async throws -> [SeriesKey] {
        try await read { db in
            guard let machineId = try await machineId(machine, db) else { return [] }
            return try await seriesOf(machineId: machineId, metric: nil, db).map(\.key).sorted()
        }
    }

    private func machineId(_ name: String, _ db: PostgresConnection) async throws -> Int32? {
        try await db.query("SELECT id FROM machines WHERE name = \(name)", logger: logger).collect()
            .first?
            .decode(Int32.self)
    }

    private func seriesOf(machineId: Int32, metric: String?, _ db: PostgresConnection) async throws
        -> [(key: SeriesKey, id: Int32)]
    {
        var result: [(key: SeriesKey, id: Int32)] = []
        for try await (id, name, labels) in try await db.query(
            """
            SELECT id, metric, labels::text FROM series
            WHERE machine_id = \(machineId) AND (\(metric)::text IS NULL OR metric = \(metric)::text)
            """, logger: logger
        ).decode((Int32, String, String).self) {
            result.append((SeriesKey(name, try SQLiteHistoryStore.decodeLabels(labels)), id))
        }
        return result
    }

    /// The machine's batches not sealed yet, from its write-ahead rows.
    private func openBlock(machineId: Int32, _ db: PostgresConnection) async throws -> OpenBlock {
        var open = OpenBlock()
        for try await record in try await db.query(
            "SELECT record FROM wal WHERE machine_id = \(machineId) ORDER BY last_seq", logger: logger
        ).decode(ByteBuffer.self) {
            for entry in try WALRecord.decode(Array(record.readableBytesView)) {
                open.append(seq: entry.seq, time: entry.time, samples: entry.samples)
            }
        }
        return open
    }

    /// The wanted series' samples in [from, to]: decoded from the overlapping blocks, then the open data.
    private func rawSamples(
        machineId: Int32, ids: [Int32], open: OpenBlock, from: Int64, to: Int64, _ db: PostgresConnection
    ) async throws -> [Int32: [(t: Int64, value: Double)]] {
        guard from <= to else { return [:] }
        let wanted = Set(ids.map { Int64($0) })
        var result: [Int32: [(t: Int64, value: Double)]] = [:]
        for try await data in try await db.query(
            """
            SELECT data FROM blocks WHERE machine_id = \(machineId) AND end_ms >= \(from) AND start_ms <= \(to)
            ORDER BY first_seq
            """, logger: logger
        ).decode(ByteBuffer.self) {
            let block = try BlockCodec.decode(Array(data.readableBytesView), wanted: wanted)
            for (id, column) in block.columns {
                result[Int32(truncatingIfNeeded: id), default: []] +=
                    OpenBlock.samples(column, times: block.times, from: from, to: to)
            }
        }
        for id in ids { result[id, default: []] += open.samples(of: Int64(id), from: from, to: to) }
        return result
    }

    /// Rollup rows of the series in [from, to], with the open data's partial buckets merged in last.
    private func rollups(
        _ tier: HistoryTier, ids: [Int32], open: OpenBlock, from: Int64, to: Int64, _ db: PostgresConnection
    ) async throws -> [Int32: [(t: Int64, rollup: Rollup)]] {
        guard from <= to else { return [:] }
        var result: [Int32: [(t: Int64, rollup: Rollup)]] = [:]
        for try await (id, bucket, low, high, sum, count, last) in try await db.query(
            """
            SELECT series_id, bucket, min_value, max_value, sum_value, count, last_value
            FROM \(unescaped: Self.rollupTable(tier))
            WHERE series_id = ANY(\(ids)::int4[]) AND bucket >= \(from) AND bucket <= \(to)
            ORDER BY series_id, bucket
            """, logger: logger
        ).decode((Int32, Int64, Double, Double, Double, Int32, Double).self) {
            let rollup = Rollup(min: low, max: high, sum: sum, count: Int(count), last: last)
            result[id, default: []].append((bucket, rollup))
        }
        for (id, buckets) in open.rollups(width: tier.bucketMs!, only: Set(ids.map { Int64($0) })) {
            let id = Int32(truncatingIfNeeded: id)
            for (bucket, partial) in buckets where bucket >= from && bucket <= to {
                if let index = result[id]?.firstIndex(where: { $0.t == bucket }) {
                    result[id]![index].rollup.merge(later: partial)
                } else {
                    result[id, default: []].append((bucket, partial))
                }
            }
        }
        return result
    }

    public func stats() async throws -> HistoryStats {
        try await read { db in
            // As in the embedded store: every sample of the blocks kept (a block goes whole once wholly expired)
            // and of the write-ahead rows. The raw tier is the blocks with their indexes and TOAST, and the live
            // write-ahead rows (a tuple header, line pointer and key entry each); the space seals free in `wal`
            // is reused once autovacuum passes, like the embedded store's free pages, and both count in the
            // database's size.
            let row = try await db.query(
                """
                SELECT (SELECT coalesce(sum(samples), 0) FROM blocks)::int8 + (SELECT coalesce(sum(samples), 0) FROM wal)::int8,
                    (pg_total_relation_size('blocks')
                        + (SELECT coalesce(sum(pg_column_size(w.*) + 48), 0) FROM wal w))::int8,
                    pg_database_size(current_database())::int8
                """, logger: logger
            ).collect().first?.decode((Int64, Int64, Int64).self)
            return HistoryStats(
                samples: Int(row?.0 ?? 0), rawBytes: Int(row?.1 ?? 0), totalBytes: Int(row?.2 ?? 0))
        }
    }
}
