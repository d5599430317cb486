import SMSCore
import Logging
import PostgresNIO
import Spec

/// Rollups: buckets that `append` marked dirty are recomputed from raw samples in (t, seq) order with `Rollup`,
/// the same arithmetic as the embedded store, so sums, min/max of ±0 and `last` agree to the bit.
///
/// Marks live in `rollup_dirty`, written in the append's transaction, so a crash loses no pending work; a
/// recomputation claims marks by deleting them in its own transaction, and several aggregators share the work
/// (`SKIP LOCKED`). A query of a rollup tier first recomputes the machine's pending buckets, waiting for any
/// other aggregator working on them, so answers are always exact.
extension PostgresHistoryStore {
    /// Marks claimed per transaction: bounds the raw rows one recomputation reads.
    static let rollupClaim = 256

    /// Recomputes every pending bucket (the aggregator calls this periodically) and keeps raw partitions
    /// created ahead of time.
    public func rollUp() async throws {
        try checkOpen()
        do {
            try await ensurePartitions(aroundNowMs: Self.nowMs())
        } catch let failure as PostgresFailure {
            throw HistoryStoreError(failure.description)
        }
        while try await read({ try await rollUpOnce(machineId: nil, skipLocked: true, $0) }) > 0 {}
    }

    /// Recomputes the pending buckets of one machine (all of them: waits for marks another store is working on).
    func rollUp(machineId: Int32, _ db: PostgresConnection) async throws {
        while try await rollUpOnce(machineId: machineId, skipLocked: false, db) > 0 {}
    }

    /// Claims up to `rollupClaim` marks and rewrites their buckets; returns how many marks it claimed.
    func rollUpOnce(machineId: Int32?, skipLocked: Bool, _ db: PostgresConnection) async throws -> Int {
        try await db.query("BEGIN", logger: logger)
        do {
            let claimed = try await claim(machineId: machineId, skipLocked: skipLocked, db)
            for (machine, buckets) in Dictionary(grouping: claimed, by: \.machineId) {
                try await recompute(machine: machine, buckets: Set(buckets), db)
            }
            try await db.query("COMMIT", logger: logger)
            return claimed.count
        } catch {
            if !db.isClosed { _ = try? await db.query("ROLLBACK", logger: logger) }
            throw error
        }
    }

    private func claim(machineId: Int32?, skipLocked: Bool, _ db: PostgresConnection) async throws
        -> [DirtyBucket]
    {
        let lock = skipLocked ? "FOR UPDATE SKIP LOCKED" : "FOR UPDATE"
        let rows = try await db.query(
            """
            DELETE FROM rollup_dirty WHERE (machine_id, tier, bucket) IN (
                SELECT machine_id, tier, bucket FROM rollup_dirty
                WHERE \(machineId)::int4 IS NULL OR machine_id = \(machineId)::int4
                ORDER BY machine_id, tier, bucket LIMIT \(Self.rollupClaim) \(unescaped: lock))
            RETURNING machine_id, tier, bucket
            """, logger: logger
        ).collect()
        return try rows.compactMap { row in
            let (machine, tier, bucket) = try row.decode((Int32, String, Int64).self)
            return HistoryTier(rawValue: tier).map {
                DirtyBucket(machineId: machine, tier: $0, bucket: bucket)
            }
        }
    }

    /// Reads the raw rows covering the buckets (merged into few ranges) and replaces their rollup rows.
    private func recompute(machine: Int32, buckets: Set<DirtyBucket>, _ db: PostgresConnection)
        async throws
    {
        var perSeries: [Int32: (times: [Int64], values: [Double])] = [:]
        for range in Self.ranges(buckets) {
            let rows = try await db.query(
                """
                SELECT t, layout_id, vals FROM samples
                WHERE machine_id = \(machine) AND t >= \(range.lowerBound) AND t < \(range.upperBound)
                ORDER BY t, seq
                """, logger: logger
            ).collect()
            for row in rows {
                let (t, layoutId, values) = try row.decode((Int64, Int32, [Double]).self)
                let ids = try await layout(layoutId, db)
                for (id, value) in zip(ids, values) {
                    perSeries[id, default: ([], [])].times.append(t)
                    perSeries[id, default: ([], [])].values.append(value)
                }
            }
        }
        for tier in [HistoryTier.oneMinute, .oneHour] {
            let wanted = Set(buckets.filter { $0.tier == tier }.map(\.bucket))
            guard !wanted.isEmpty else { continue }
            var rows = RollupRows()
            for (id, samples) in perSeries {
                for (bucket, rollup) in Rollup.buckets(
                    times: samples.times, values: samples.values, width: tier.bucketMs!)
                where wanted.contains(bucket) {
                    rows.append(id, bucket, rollup)
                }
            }
            try await replace(tier, machine: machine, buckets: Array(wanted), with: rows, db)
        }
    }

    /// Whole buckets merged into disjoint time ranges (an hour's dirty minutes lie inside the dirty hour).
    static func ranges(_ buckets: Set<DirtyBucket>) -> [Range<Int64>] {
        let sorted = buckets.map { $0.bucket..<($0.bucket + $0.tier.bucketMs!) }.sorted {
            $0.lowerBound < $1.lowerBound
        }
        var merged: [Range<Int64>] = []
        for range in sorted {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    /// A layout's series ids, read from the database when another aggregator created it.
    private func layout(_ id: Int32, _ db: PostgresConnection) async throws -> [Int32] {
        if let ids = state.layouts[id] { return ids }
        let rows = try await db.query("SELECT series_ids FROM layouts WHERE id = \(id)", logger: logger)
            .collect()
        let ids = try rows.first?.decode([Int32].self) ?? []
        state.layouts[id] = ids
        return ids
    }

    /// Rollup rows as column arrays, for one `unnest` insert.
    struct RollupRows {
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

    private func replace(
        _ tier: HistoryTier, machine: Int32, buckets: [Int64], with rows: RollupRows,
        _ db: PostgresConnection
    ) async throws {
        let table = Self.rollupTable(tier)
        try await db.query(
            """
            DELETE FROM \(unescaped: table) r USING series s
            WHERE r.series_id = s.id AND s.machine_id = \(machine) AND r.bucket = ANY(\(buckets)::int8[])
            """, logger: logger)
        guard !rows.series.isEmpty else { return }
        try await db.query(
            """
            INSERT INTO \(unescaped: table) (series_id, bucket, min_value, max_value, sum_value, count, last_value)
            SELECT * FROM unnest(\(rows.series)::int4[], \(rows.buckets)::int8[], \(rows.mins)::float8[],
                \(rows.maxes)::float8[], \(rows.sums)::float8[], \(rows.counts)::int4[], \(rows.lasts)::float8[])
            """, logger: logger)
    }

    static func rollupTable(_ tier: HistoryTier) -> String {
        tier == .oneHour ? "rollup_1h" : "rollup_1m"
    }
}
