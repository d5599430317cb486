import SMSCore
import Logging
import PostgresNIO
import Spec

/// Retention: raw samples go a whole day partition at a time (or TimescaleDB chunk), rollups by bucket; the
/// cutoffs are persisted in `retention_cutoffs` and applied by every query, so answers are exactly those of
/// the embedded store although a partition straddling the cutoff stays until it is wholly expired.
extension PostgresHistoryStore {
    public func enforceRetention(_ retention: Retention, nowMs: Int64) async throws {
        try await exclusive {
            try await retryingOutages("applying retention") {
                // Buckets still pending must be rolled up before their raw samples can go.
                while try await connections.with({
                    try await rollUpOnce(machineId: nil, skipLocked: false, $0)
                }) > 0 {}
                let (cutoffs, dropped) = try await connections.transaction(logger: logger) { db in
                    try await applyRetention(retention, nowMs: nowMs, db)
                }
                state.cutoffs = cutoffs
                state.partitionDays.subtract(dropped)
            }
        }
    }

    /// Advances and stores the cutoffs, then drops what lies wholly before them; returns the dropped days.
    private func applyRetention(_ retention: Retention, nowMs: Int64, _ db: PostgresConnection)
        async throws
        -> (RetentionCutoffs, Set<Int64>)
    {
        // Serialises with partition creation and with other aggregators applying retention.
        try await db.query("SELECT pg_advisory_xact_lock(\(Self.partitionLock))", logger: logger)
        let cutoffs = try await Self.loadCutoffs(db, logger: logger).advanced(
            by: retention, nowMs: nowMs)
        let tiers = HistoryTier.allCases
        try await db.query(
            """
            INSERT INTO retention_cutoffs (tier, cutoff_ms)
            SELECT * FROM unnest(\(tiers.map(\.rawValue))::text[], \(tiers.map(cutoffs.cutoff))::int8[])
            ON CONFLICT (tier) DO UPDATE SET cutoff_ms = greatest(retention_cutoffs.cutoff_ms, excluded.cutoff_ms)
            """, logger: logger)
        var dropped: Set<Int64> = []
        if timescale {
            try await dropTimescaleChunks(db, cutoffs: cutoffs)
        } else {
            let names = try await db.query(
                """
                SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'samples'::regclass
                """, logger: logger
            ).collect().map { try $0.decode(String.self) }
            for day in names.compactMap(PartitionDay.init(name:)) where day.endMs <= cutoffs.raw {
                try await db.query(
                    PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(day.name)"), logger: logger)
                dropped.insert(day.day)
            }
        }
        for tier in [HistoryTier.oneMinute, .oneHour] {
            try await db.query(
                "DELETE FROM \(unescaped: Self.rollupTable(tier)) WHERE bucket < \(cutoffs.cutoff(tier))",
                logger: logger)
        }
        // Gaps are kept as long as the coarsest history they describe.
        try await db.query("DELETE FROM gaps WHERE to_ms < \(cutoffs.oneHour)", logger: logger)
        if !dropped.isEmpty {
            logger.info(
                "raw partitions dropped",
                metadata: ["days": "\(dropped.count)", "before": "\(cutoffs.raw)"])
        }
        return (cutoffs, dropped)
    }
}
