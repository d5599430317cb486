import SMSCore
import SQLiteNIO
import Spec

/// Reading history back: sealed blocks and rollup rows merged with what is still in the open blocks.
extension SQLiteHistoryStore {
    public func query(_ q: HistoryQuery) async throws -> [HistorySeries] {
        try await exclusive {
            guard let machine = state.machines[q.machine] else { return [] }
            let matching = machine.seriesIds.filter { $0.key.metric == q.metric && $0.key.matches(labels: q.labels) }
            guard !matching.isEmpty else { return [] }
            let ids = Set(matching.values)
            let tier = q.resolvedTier(cutoffs: state.cutoffs)
            let cutoff = state.cutoffs.cutoff(tier)
            var answer: [HistorySeries] = []
            if let width = tier.bucketMs {
                let rows = try await rollups(tier, machine: machine, ids: ids, query: q, cutoff: cutoff)
                for (key, id) in matching {
                    let points = q.shape(rollups: rows[id] ?? [], width: width)
                    if !points.isEmpty { answer.append(HistorySeries(series: key, tier: tier, points: points)) }
                }
            } else {
                let samples = try await rawSamples(machine: machine, ids: ids, from: max(q.fromMs, cutoff), to: q.toMs)
                for (key, id) in matching {
                    let points = q.shape(raw: samples[id] ?? [])
                    if !points.isEmpty { answer.append(HistorySeries(series: key, tier: tier, points: points)) }
                }
            }
            return answer.sorted { $0.series < $1.series }
        }
    }

    public func series(machine: String) async throws -> [SeriesKey] {
        try await exclusive { (state.machines[machine]?.seriesIds.keys).map { $0.sorted() } ?? [] }
    }

    /// Raw samples of the series in [from, to]: decoded from the overlapping blocks, then the open block.
    private func rawSamples(machine: State.Machine, ids: Set<Int64>, from: Int64, to: Int64) async throws
        -> [Int64: [(t: Int64, value: Double)]]
    {
        guard from <= to else { return [:] }
        var result: [Int64: [(t: Int64, value: Double)]] = [:]
        let rows = try await db.query(
            "SELECT data FROM blocks WHERE machine_id = ? AND end_ms >= ? AND start_ms <= ? ORDER BY id",
            [.int(machine.id), .int(from), .int(to)])
        for row in rows {
            let block = try BlockCodec.decode(try row.bytes("data"), wanted: ids)
            for (id, column) in block.columns {
                result[id, default: []] += OpenBlock.samples(column, times: block.times, from: from, to: to)
            }
        }
        for id in ids { result[id, default: []] += machine.open.samples(of: id, from: from, to: to) }
        return result
    }

    /// Rollup rows of the series overlapping the query, with the open block's partial buckets merged in last.
    private func rollups(
        _ tier: HistoryTier, machine: State.Machine, ids: Set<Int64>, query q: HistoryQuery, cutoff: Int64
    ) async throws -> [Int64: [(t: Int64, rollup: Rollup)]] {
        let width = tier.bucketMs!
        let lowest = max(cutoff, q.fromMs - width + 1)
        guard lowest <= q.toMs else { return [:] }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
        let rows = try await db.query(
            """
            SELECT series_id, bucket_ms, min_value, max_value, sum_value, count, last_value
            FROM \(Self.rollupTable(tier)) WHERE series_id IN (\(placeholders)) AND bucket_ms >= ? AND bucket_ms <= ?
            ORDER BY series_id, bucket_ms
            """, ids.map { .int($0) } + [.int(lowest), .int(q.toMs)])
        var result: [Int64: [(t: Int64, rollup: Rollup)]] = [:]
        for row in rows {
            let rollup = Rollup(
                min: row.double("min_value"), max: row.double("max_value"), sum: row.double("sum_value"),
                count: Int(try row.int64("count")), last: row.double("last_value"))
            result[try row.int64("series_id"), default: []].append((try row.int64("bucket_ms"), rollup))
        }
        for (id, buckets) in machine.open.rollups(width: width, only: ids) {
            for (bucket, partial) in buckets where bucket >= lowest && bucket <= q.toMs {
                if let index = result[id]?.firstIndex(where: { $0.t == bucket }) {
                    result[id]![index].rollup.merge(later: partial)
                } else {
                    result[id, default: []].append((bucket, partial))
                }
            }
        }
        return result
    }

    public func enforceRetention(_ retention: Retention, nowMs: Int64) async throws {
        try await exclusive {
            let cutoffs = state.cutoffs.advanced(by: retention, nowMs: nowMs)
            _ = try await db.query("BEGIN IMMEDIATE")
            do {
                // Whole blocks go once their newest sample is too old; queries hide older samples of the rest.
                _ = try await db.query("DELETE FROM blocks WHERE end_ms < ?", [.int(cutoffs.raw)])
                for tier in [HistoryTier.oneMinute, .oneHour] {
                    // `series_id IN` lets SQLite walk the primary key per series instead of scanning the table.
                    _ = try await db.query(
                        "DELETE FROM \(Self.rollupTable(tier)) WHERE series_id IN (SELECT id FROM series) "
                            + "AND bucket_ms < ?", [.int(cutoffs.cutoff(tier))])
                }
                // Gaps are kept as long as the coarsest history they describe.
                _ = try await db.query("DELETE FROM gaps WHERE to_ms < ?", [.int(cutoffs.oneHour)])
                try await db.insertRows(
                    "INSERT INTO meta (key, value)", columns: 2,
                    rows: [
                        [.text("cutoff_raw"), .int(cutoffs.raw)], [.text("cutoff_1m"), .int(cutoffs.oneMinute)],
                        [.text("cutoff_1h"), .int(cutoffs.oneHour)],
                    ], tail: "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                _ = try await db.query("COMMIT")
            } catch {
                _ = try? await db.query("ROLLBACK")
                throw HistoryStoreError("cannot apply retention to \(path) (\(error))")
            }
            state.cutoffs = cutoffs
            // Hand freed pages back to the file system a little at a time instead of a full VACUUM.
            _ = try await db.query("PRAGMA incremental_vacuum(2000)")
        }
    }

    public func stats() async throws -> HistoryStats {
        try await exclusive {
            let sealed = try await db.query("SELECT coalesce(sum(samples), 0) AS n FROM blocks")
            let open = state.machines.values.reduce(0) { $0 + $1.open.sampleCount }
            let rawNames: Set<String> = ["blocks", "blocks_by_machine_end", "wal"]
            var rawBytes = 0
            for row in try await db.query("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name") {
                if rawNames.contains(try row.string("name")) { rawBytes += Int(try row.int64("bytes")) }
            }
            let pages = try await db.query("PRAGMA page_count").first?.column("page_count")?.integer ?? 0
            let pageSize = try await db.query("PRAGMA page_size").first?.column("page_size")?.integer ?? 0
            return HistoryStats(
                samples: Int(try sealed.first?.int64("n") ?? 0) + open, rawBytes: rawBytes,
                totalBytes: pages * pageSize)
        }
    }
}
