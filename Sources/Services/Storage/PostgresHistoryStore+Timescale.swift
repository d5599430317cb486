import SMSCore
import Logging
import PostgresNIO
import Spec

/// The TimescaleDB variant, used when the server has the extension (it cannot be installed in this project's CI,
/// so it is kept to a few statements that change only where the raw table lives and how retention drops it).
///
/// Continuous aggregates are not used for the rollups: they cannot aggregate inside the `vals` arrays (no
/// `unnest` in a continuous aggregate), and their sums would not be in the time order the embedded store uses.
/// The store-maintained `rollup_1m` / `rollup_1h` tables become hypertables too, so retention drops their chunks.
extension PostgresHistoryStore {
    /// Run after the common tables exist, in the same migration; times are integer milliseconds, so each table
    /// gets an integer chunk interval and `sms_now_ms()` tells TimescaleDB's policies what "now" is.
    static let timescaleSetup: [String] = [
        """
        CREATE OR REPLACE FUNCTION sms_now_ms() RETURNS int8 LANGUAGE sql STABLE
            AS $$ SELECT (extract(epoch FROM now()) * 1000)::int8 $$
        """,
        "SELECT create_hypertable('samples', 't', chunk_time_interval => 86400000::int8)",
        "SELECT set_integer_now_func('samples', 'sms_now_ms')",
        """
        ALTER TABLE samples SET (timescaledb.compress, timescaledb.compress_segmentby = 'machine_id',
            timescaledb.compress_orderby = 't, seq')
        """,
        // Raw rows are compressed once two hours old, when late replays have all arrived.
        "SELECT add_compression_policy('samples', compress_after => 7200000::int8)",
        "SELECT create_hypertable('rollup_1m', 'bucket', chunk_time_interval => 604800000::int8)",
        "SELECT set_integer_now_func('rollup_1m', 'sms_now_ms')",
        "SELECT create_hypertable('rollup_1h', 'bucket', chunk_time_interval => 2592000000::int8)",
        "SELECT set_integer_now_func('rollup_1h', 'sms_now_ms')",
    ]

    /// Retention with TimescaleDB: whole chunks before each cutoff are dropped; `enforceRetention` passes the
    /// spec's retention every time it runs, so no policy has to be kept in step with the spec.
    func dropTimescaleChunks(_ db: PostgresConnection, cutoffs: RetentionCutoffs) async throws {
        for (table, cutoff) in [
            ("samples", cutoffs.raw), ("rollup_1m", cutoffs.oneMinute), ("rollup_1h", cutoffs.oneHour),
        ]
        where cutoff > .min {
            try await db.query(
                "SELECT drop_chunks(\(table)::regclass, older_than => \(cutoff)::int8)", logger: logger)
        }
    }
}
