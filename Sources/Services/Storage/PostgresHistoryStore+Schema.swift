import SMSCore
import Foundation
import Logging
import PostgresNIO
import Spec

/// The PostgreSQL schema, its versioned migrations, and loading the dictionaries when the store opens.
extension PostgresHistoryStore {
    /// `pg_advisory_xact_lock` keys: several aggregators starting at once migrate one at a time, and apply
    /// retention one at a time.
    static let migrationLock: Int64 = 0x736D_7301
    static let retentionLock: Int64 = 0x736D_7302

    /// Migration N is `migrations[N - 1]`; applied versions are recorded in `schema_migrations`. Append only.
    static let migrations: [[String]] = [
        [
            "CREATE TABLE machines (id serial PRIMARY KEY, name text NOT NULL UNIQUE, high_water int8)",
            """
            CREATE TABLE series (id serial PRIMARY KEY, machine_id int4 NOT NULL REFERENCES machines (id),
                metric text NOT NULL, labels jsonb NOT NULL, UNIQUE (machine_id, metric, labels))
            """,
            // Version 1's raw tier (a row per batch, values in an array named by a layout); version 5 drops it.
            """
            CREATE TABLE layouts (id serial PRIMARY KEY, machine_id int4 NOT NULL, series_ids int4[] NOT NULL,
                list_hash text NOT NULL, UNIQUE (machine_id, list_hash))
            """,
            """
            CREATE TABLE samples (machine_id int4 NOT NULL, layout_id int4 NOT NULL, t int8 NOT NULL,
                seq int8 NOT NULL, vals float8[] NOT NULL)
            """,
            "CREATE UNIQUE INDEX samples_by_time ON samples (machine_id, t, seq)",
            rollupTableSchema("rollup_1m"),
            rollupTableSchema("rollup_1h"),
            """
            CREATE TABLE rollup_dirty (machine_id int4 NOT NULL, tier text NOT NULL, bucket int8 NOT NULL,
                PRIMARY KEY (machine_id, tier, bucket))
            """,
            "CREATE TABLE retention_cutoffs (tier text PRIMARY KEY, cutoff_ms int8 NOT NULL)",
        ],
        // 2: the collector's sequence epoch (a lost buffer restarts at seq 1 without its batches being dropped).
        ["ALTER TABLE machines ADD COLUMN epoch int8, ADD COLUMN epoch_base int8"],
        // 3: the gap ledger (docs/gaps.md): few rows, written every few seconds, keyed by machine name.
        [
            """
            CREATE TABLE gaps (machine text NOT NULL, from_ms int8 NOT NULL, to_ms int8 NOT NULL, kind text NOT NULL,
                batches int8 NOT NULL, PRIMARY KEY (machine, from_ms))
            """,
            "CREATE TABLE gap_cursors (machine text PRIMARY KEY, since_ms int8 NOT NULL, seq int8 NOT NULL, last_ms int8 NOT NULL)",
        ],
        // 4: the embedded store's layout: compressed blocks, and a write-ahead row per machine and append.
        [
            "ALTER TABLE machines ADD COLUMN sealed_seq int8",
            """
            CREATE TABLE blocks (machine_id int4 NOT NULL, start_ms int8 NOT NULL, end_ms int8 NOT NULL,
                first_seq int8 NOT NULL, last_seq int8 NOT NULL, samples int4 NOT NULL, data bytea NOT NULL)
            """,
            // The blocks are compressed already: no second try by TOAST.
            "ALTER TABLE blocks ALTER COLUMN data SET STORAGE EXTERNAL",
            "CREATE INDEX blocks_by_machine_end ON blocks (machine_id, end_ms)",
            "CREATE INDEX blocks_by_end ON blocks (end_ms)",
            """
            CREATE TABLE wal (machine_id int4 NOT NULL, last_seq int8 NOT NULL, samples int4 NOT NULL,
                record bytea NOT NULL, PRIMARY KEY (machine_id, last_seq))
            """,
            // A queue: every row is deleted within a block's span, so its space is reclaimed early.
            "ALTER TABLE wal SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000)",
        ],
        // 5: version 1's raw tier, once `convertRowsToBlocks` has moved its rows into blocks.
        ["DROP TABLE samples CASCADE", "DROP TABLE layouts", "DROP TABLE rollup_dirty"],
    ]

    private static func rollupTableSchema(_ name: String) -> String {
        """
        CREATE TABLE \(name) (series_id int4 NOT NULL, bucket int8 NOT NULL, min_value float8 NOT NULL,
            max_value float8 NOT NULL, sum_value float8 NOT NULL, count int4 NOT NULL, last_value float8 NOT NULL,
            PRIMARY KEY (series_id, bucket))
        """
    }

    /// Creates or upgrades the schema under an advisory lock, in one transaction.
    static func migrate(_ db: PostgresConnection, options: Options, logger: Logger) async throws {
        try await db.query("BEGIN", logger: logger)
        do {
            try await db.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await db.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (version int4 PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            let applied =
                try await db.query(
                    "SELECT coalesce(max(version), 0) FROM schema_migrations", logger: logger
                )
                .collect().first?.decode(Int32.self) ?? 0
            guard applied <= migrations.count else {
                throw HistoryStoreError(
                    "the history database has schema version \(applied), this build knows \(migrations.count); "
                        + "use a matching smsctl")
            }
            for version in Int(applied)..<migrations.count {
                if version + 1 == 5 { try await convertRowsToBlocks(db, options: options, logger: logger) }
                for statement in migrations[version] {
                    try await db.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await db.query(
                    "INSERT INTO schema_migrations (version) VALUES (\(Int32(version + 1)))", logger: logger)
                logger.info("history schema migrated", metadata: ["version": "\(version + 1)"])
            }
            try await db.query("COMMIT", logger: logger)
        } catch {
            _ = try? await db.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// Moves version 1's raw rows into blocks, a machine at a time, in seq order; the rollups of the buckets they
    /// cover are rebuilt from the blocks (buckets before a machine's oldest raw row keep theirs).
    static func convertRowsToBlocks(_ db: PostgresConnection, options: Options, logger: Logger) async throws {
        let machines = try await db.query("SELECT DISTINCT machine_id FROM samples ORDER BY 1", logger: logger)
            .collect().map { try $0.decode(Int32.self) }
        for (index, machineId) in machines.enumerated() {
            var layouts: [Int32: [Int32]] = [:]
            for try await (id, ids) in try await db.query(
                "SELECT id, series_ids FROM layouts WHERE machine_id = \(machineId)", logger: logger
            ).decode((Int32, [Int32]).self) {
                layouts[id] = ids
            }
            var rows = WriteRows()
            var open = OpenBlock()
            var oldest = Int64.max
            for try await (t, seq, layoutId, values) in try await db.query(
                "SELECT t, seq, layout_id, vals FROM samples WHERE machine_id = \(machineId) ORDER BY seq",
                logger: logger
            ).decode((Int64, Int64, Int32, [Double]).self) {
                oldest = min(oldest, t)
                if let start = open.times.first, t - start >= options.blockSpanMs {
                    rows.seal(open, machineId: machineId)
                    open = OpenBlock()
                }
                let ids = layouts[layoutId] ?? []
                open.append(
                    seq: UInt64(bitPattern: seq), time: t, samples: zip(ids, values).map { (Int64($0), $1) })
                if open.batchCount >= options.blockBatches {
                    rows.seal(open, machineId: machineId)
                    open = OpenBlock()
                }
            }
            if !open.isEmpty { rows.seal(open, machineId: machineId) }
            for tier in [HistoryTier.oneMinute, .oneHour] {
                try await db.query(
                    """
                    DELETE FROM \(unescaped: rollupTable(tier)) r USING series s WHERE r.series_id = s.id
                    AND s.machine_id = \(machineId) AND r.bucket >= \(Rollup.bucket(oldest, width: tier.bucketMs!))
                    """, logger: logger)
            }
            try await execute(rows, db, logger: logger)
            try await db.query("UPDATE machines SET sealed_seq = high_water WHERE id = \(machineId)", logger: logger)
            logger.info(
                "history rows moved into blocks",
                metadata: ["machine": "\(index + 1) of \(machines.count)", "blocks": "\(rows.blockMachines.count)"])
        }
    }

    /// Reads machines, series and retention cutoffs; open blocks are read when a machine is first written.
    static func loadState(_ db: PostgresConnection, logger: Logger) async throws -> State {
        var state = State()
        var names: [Int32: String] = [:]
        for try await (id, name, highWater, sealed) in try await db.query(
            "SELECT id, name, high_water, sealed_seq FROM machines", logger: logger
        ).decode((Int32, String, Int64?, Int64?).self) {
            state.machines[name] = State.Machine(
                id: id, name: name, highWater: highWater.map { UInt64(bitPattern: $0) },
                sealedSeq: sealed.map { UInt64(bitPattern: $0) })
            names[id] = name
        }
        for try await (id, machineId, metric, labels) in try await db.query(
            "SELECT id, machine_id, metric, labels::text FROM series", logger: logger
        ).decode((Int32, Int32, String, String).self) {
            guard let name = names[machineId] else { continue }
            let key = SeriesKey(metric, try SQLiteHistoryStore.decodeLabels(labels))
            state.machines[name]?.seriesIds[key] = id
        }
        state.cutoffs = try await loadCutoffs(db, logger: logger)
        return state
    }

    static func loadCutoffs(_ db: PostgresConnection, logger: Logger) async throws -> RetentionCutoffs {
        var cutoffs = RetentionCutoffs()
        for try await (tier, cutoff) in try await db.query(
            "SELECT tier, cutoff_ms FROM retention_cutoffs", logger: logger
        ).decode((String, Int64).self) {
            switch HistoryTier(rawValue: tier) {
            case .raw: cutoffs.raw = cutoff
            case .oneMinute: cutoffs.oneMinute = cutoff
            case .oneHour: cutoffs.oneHour = cutoff
            case nil: break
            }
        }
        return cutoffs
    }
}
