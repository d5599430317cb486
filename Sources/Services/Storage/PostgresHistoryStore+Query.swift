import SMSCore
import Logging
import PostgresNIO
import Spec

/// Reading history back. Every read asks the database (not this store's caches) for machines, series and
/// retention cutoffs, since other aggregators write to the same database; a read never waits for an outage.
extension PostgresHistoryStore {
    public func query(_ q: HistoryQuery) async throws -> [HistorySeries] {
        try await read { db in
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
            if let width = tier.bucketMs {
                try await rollUp(machineId: machineId, db)
                let rows = try await rollups(
                    tier, ids: ids, from: max(cutoff, q.fromMs - width + 1), to: q.toMs, db)
                for (key, id) in matching {
                    let points = q.shape(rollups: rows[id] ?? [], width: width)
                    if !points.isEmpty {
                        answer.append(HistorySeries(series: key, tier: tier, points: points))
                    }
                }
            } else {
                let samples = try await rawSamples(
                    machineId: machineId, ids: ids, from: max(q.fromMs, cutoff), to: q.toMs, db)
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

    /// The wanted series' samples in [from, to], in (t, seq) order; the arrays are taken apart on the server.
    private func rawSamples(
        machineId: Int32, ids: [Int32], from: Int64, to: Int64, _ db: PostgresConnection
    )
        async throws -> [Int32: [(t: Int64, value: Double)]]
    {
        guard from <= to else { return [:] }
        var result: [Int32: [(t: Int64, value: Double)]] = [:]
        for try await (t, id, value) in try await db.query(
            """
            SELECT s.t, u.id, u.v FROM samples s JOIN layouts l ON l.id = s.layout_id
            CROSS JOIN LATERAL unnest(l.series_ids, s.vals) WITH ORDINALITY AS u(id, v, n)
            WHERE s.machine_id = \(machineId) AND s.t >= \(from) AND s.t <= \(to) AND u.id = ANY(\(ids)::int4[])
            ORDER BY s.t, s.seq, u.n
            """, logger: logger
        ).decode((Int64, Int32, Double).self) {
            result[id, default: []].append((t, value))
        }
        return result
    }

    private func rollups(
        _ tier: HistoryTier, ids: [Int32], from: Int64, to: Int64, _ db: PostgresConnection
    )
        async throws -> [Int32: [(t: Int64, rollup: Rollup)]]
    {
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
        return result
    }

    public func stats() async throws -> HistoryStats {
        try await read { db in
            let cutoffs = try await Self.loadCutoffs(db, logger: logger)
            // Rows before the raw cutoff may still sit in a partition not yet wholly expired; they do not count.
            let samples =
                try await db.query(
                    "SELECT coalesce(sum(cardinality(vals)), 0)::int8 FROM samples WHERE t >= \(cutoffs.raw)",
                    logger: logger
                ).collect().first?.decode(Int64.self) ?? 0
            let raw: PostgresQuery =
                timescale
                ? "SELECT hypertable_size('samples')::int8"
                : """
                SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::int8 FROM pg_inherits
                WHERE inhparent = 'samples'::regclass
                """
            let rawBytes =
                try await db.query(raw, logger: logger).collect().first?.decode(Int64.self) ?? 0
            let total =
                try await db.query("SELECT pg_database_size(current_database())::int8", logger: logger)
                .collect().first?.decode(Int64.self) ?? 0
            return HistoryStats(samples: Int(samples), rawBytes: Int(rawBytes), totalBytes: Int(total))
        }
    }
}
