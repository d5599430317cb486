import SMSCore
import Logging
import PostgresNIO
import Spec

/// Retention, as in the embedded store: a block goes once its newest sample is older than the raw cutoff, rollups
/// by bucket; the cutoffs are persisted in `retention_cutoffs` and applied by every query, so a block straddling
/// the cutoff shows only what is newer.
extension PostgresHistoryStore {
    public func enforceRetention(_ retention: Retention, nowMs: Int64) async throws {
        try await exclusive {
            try await retryingOutages("applying retention") {
                state.cutoffs = try await connections.transaction(logger: logger) { db in
                    try await applyRetention(retention, nowMs: nowMs, db)
                }
            }
        }
    }

    /// Advances and stores the cutoffs, then deletes what lies wholly before them.
    private func applyRetention(_ retention: Retention, nowMs: Int64, _ db: PostgresConnection) async throws
        -> RetentionCutoffs
    {
        // Serialises with other aggregators applying retention.
        try await db.query("SELECT pg_advisory_xact_lock(\(Self.retentionLock))", logger: logger)
        let cutoffs = try await Self.loadCutoffs(db, logger: logger).advanced(by: retention, nowMs: nowMs)
        let tiers = HistoryTier.allCases
        try await db.query(
            """
            INSERT INTO retention_cutoffs (tier, cutoff_ms)
            SELECT * FROM unnest(\(tiers.map(\.rawValue))::text[], \(tiers.map(cutoffs.cutoff))::int8[])
            ON CONFLICT (tier) DO UPDATE SET cutoff_ms = greatest(retention_cutoffs.cutoff_ms, excluded.cutoff_ms)
            """, logger: logger)
        try await db.query("DELETE FROM blocks WHERE end_ms < \(cutoffs.raw)", logger: logger)
        for tier in [HistoryTier.oneMinute, .oneHour] {
            try await db.query(
                "DELETE FROM \(unescaped: Self.rollupTable(tier)) WHERE bucket < \(cutoffs.cutoff(tier))",
                logger: logger)
        }
        // Gaps are kept as long as the coarsest history they describe.
        try await db.query("DELETE FROM gaps WHERE to_ms < \(cutoffs.oneHour)", logger: logger)
        return cutoffs
    }
}
