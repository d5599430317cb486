import SMSCore
import Foundation
import Logging
import PostgresNIO
import Spec

/// The PostgreSQL schema, its versioned migrations, and loading the dictionaries when the store opens.
extension PostgresHistoryStore {
    /// `pg_advisory_xact_lock` keys: several aggregators starting at once migrate one at a time, and create or
    /// drop partitions one at a time (two `CREATE TABLE IF NOT EXISTS` can still collide without it).
    static let migrationLock: Int64 = 0x736D_7301
    static let partitionLock: Int64 = 0x736D_7302

    /// Migration N is `migrations[N - 1]`; applied versions are recorded in `schema_migrations`. Append only.
    static func migrations(timescale: Bool) -> [[String]] {
        [
            [
                "CREATE TABLE machines (id serial PRIMARY KEY, name text NOT NULL UNIQUE, high_water int8)",
                """
                CREATE TABLE series (id serial PRIMARY KEY, machine_id int4 NOT NULL REFERENCES machines (id),
                    metric text NOT NULL, labels jsonb NOT NULL, UNIQUE (machine_id, metric, labels))
                """,
                // A batch's ordered series list, shared by all its batches with the same list. The unique key is a
                // hash (md5 of the list's text, written with the row): a btree entry cannot hold the id list of a
                // machine with ~700 series or more, and array-to-text is not immutable enough for an index expression.
                """
                CREATE TABLE layouts (id serial PRIMARY KEY, machine_id int4 NOT NULL, series_ids int4[] NOT NULL,
                    list_hash text NOT NULL, UNIQUE (machine_id, list_hash))
                """,
                // Columns ordered widest-aligned first so that no padding is wasted in front of the array.
                """
                CREATE TABLE samples (machine_id int4 NOT NULL, layout_id int4 NOT NULL, t int8 NOT NULL,
                    seq int8 NOT NULL, vals float8[] NOT NULL)\(timescale ? "" : " PARTITION BY RANGE (t)")
                """,
                // Idempotence on (machine, seq) needs the partition key in the index; a replay carries the same t.
                "CREATE UNIQUE INDEX samples_by_time ON samples (machine_id, t, seq)",
                rollupTable("rollup_1m"),
                rollupTable("rollup_1h"),
                """
                CREATE TABLE rollup_dirty (machine_id int4 NOT NULL, tier text NOT NULL, bucket int8 NOT NULL,
                    PRIMARY KEY (machine_id, tier, bucket))
                """,
                "CREATE TABLE retention_cutoffs (tier text PRIMARY KEY, cutoff_ms int8 NOT NULL)",
            ] + (timescale ? timescaleSetup : []),
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
        ]
    }

    private static func rollupTable(_ name: String) -> String {
        """
        CREATE TABLE \(name) (series_id int4 NOT NULL, bucket int8 NOT NULL, min_value float8 NOT NULL,
            max_value float8 NOT NULL, sum_value float8 NOT NULL, count int4 NOT NULL, last_value float8 NOT NULL,
            PRIMARY KEY (series_id, bucket))
        """
    }

    /// Creates or upgrades the schema under an advisory lock; returns whether the raw table is a hypertable.
    static func migrate(_ db: PostgresConnection, options: Options, logger: Logger) async throws
        -> Bool
    {
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
            var timescale = try await hasHypertable(db, logger: logger)
            if applied == 0, options.allowTimescale {
                let available =
                    try await db.query(
                        "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'",
                        logger: logger
                    ).collect().first?.decode(Int64.self) ?? 0
                if available > 0 {
                    try await db.query("CREATE EXTENSION IF NOT EXISTS timescaledb", logger: logger)
                    timescale = true
                }
            }
            let steps = migrations(timescale: timescale)
            guard applied <= steps.count else {
                throw HistoryStoreError(
                    "the history database has schema version \(applied), this build knows \(steps.count); "
                        + "use a matching smsctl")
            }
            for version in Int(applied)..<steps.count {
                for statement in steps[version] {
                    try await db.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await db.query(
                    "INSERT INTO schema_migrations (version) VALUES (\(Int32(version + 1)))", logger: logger)
                logger.info("history schema migrated", metadata: ["version": "\(version + 1)"])
            }
            try await db.query("COMMIT", logger: logger)
            return timescale
        } catch {
            _ = try? await db.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    private static func hasHypertable(_ db: PostgresConnection, logger: Logger) async throws -> Bool {
        // A partitioned table has relkind 'p'; a hypertable is a plain table ('r') with chunks under it.
        let kind = try await db.query(
            "SELECT relkind::text FROM pg_class WHERE relname = 'samples' AND relnamespace = current_schema()::regnamespace",
            logger: logger
        ).collect().first?.decode(String.self)
        return kind == "r"
    }

    /// Reads machines, series, layouts, retention cutoffs and the existing raw partitions.
    static func loadState(_ db: PostgresConnection, logger: Logger) async throws -> State {
        var state = State()
        var names: [Int32: String] = [:]
        for try await (id, name, highWater) in try await db.query(
            "SELECT id, name, high_water FROM machines", logger: logger
        ).decode((Int32, String, Int64?).self) {
            state.machines[name] = State.Machine(
                id: id, highWater: highWater.map { UInt64(bitPattern: $0) })
            names[id] = name
        }
        for try await (id, machineId, metric, labels) in try await db.query(
            "SELECT id, machine_id, metric, labels::text FROM series", logger: logger
        ).decode((Int32, Int32, String, String).self) {
            guard let name = names[machineId] else { continue }
            let key = SeriesKey(metric, try SQLiteHistoryStore.decodeLabels(labels))
            state.machines[name]?.seriesIds[key] = id
        }
        for try await (id, machineId, seriesIds) in try await db.query(
            "SELECT id, machine_id, series_ids FROM layouts", logger: logger
        ).decode((Int32, Int32, [Int32]).self) {
            state.layouts[id] = seriesIds
            if let name = names[machineId] { state.machines[name]?.layoutIds[seriesIds] = id }
        }
        state.cutoffs = try await loadCutoffs(db, logger: logger)
        for try await name in try await db.query(
            """
            SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'samples'::regclass
            """, logger: logger
        ).decode(String.self) {
            if let day = PartitionDay(name: name) { state.partitionDays.insert(day.day) }
        }
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

    /// Makes sure the raw partitions for today and the next `partitionsAhead` days exist.
    func ensurePartitions(aroundNowMs now: Int64) async throws {
        let today = PartitionDay(containing: now).day
        try await ensurePartitions(days: Set(today...(today + Int64(options.partitionsAhead))))
    }

    /// Creates the daily raw partitions not known to exist yet (none with TimescaleDB, which makes its own chunks).
    func ensurePartitions(days: Set<Int64>) async throws {
        let missing = days.subtracting(state.partitionDays).sorted()
        guard !timescale, !missing.isEmpty else { return }
        try await connections.transaction(logger: logger) { db in
            try await db.query("SELECT pg_advisory_xact_lock(\(Self.partitionLock))", logger: logger)
            for day in missing.map(PartitionDay.init(day:)) {
                try await db.query(
                    PostgresQuery(
                        unsafeSQL: "CREATE TABLE IF NOT EXISTS \(day.name) PARTITION OF samples "
                            + "FOR VALUES FROM (\(day.startMs)) TO (\(day.endMs))"), logger: logger)
            }
        }
        state.partitionDays.formUnion(missing)
    }
}

/// One UTC day of raw samples: the partition `samples_YYYYMMDD` holding t in [startMs, endMs).
struct PartitionDay: Sendable, Equatable {
    static let ms: Int64 = 86_400_000
    /// Days since 1970-01-01.
    var day: Int64

    init(day: Int64) { self.day = day }

    init(containing t: Int64) { day = Rollup.bucket(t, width: Self.ms) / Self.ms }

    /// Parses a partition's table name; nil for anything else.
    init?(name: String) {
        guard name.hasPrefix("samples_"), name.count == 16, let date = Int(name.dropFirst(8)) else {
            return nil
        }
        day = Self.days(
            year: Int64(date / 10_000), month: Int64(date / 100 % 100), day: Int64(date % 100))
    }

    var startMs: Int64 { day * Self.ms }
    var endMs: Int64 { (day + 1) * Self.ms }

    var name: String {
        let (year, month, dayOfMonth) = Self.civil(day)
        return "samples_" + String(format: "%04d%02d%02d", year, month, dayOfMonth)
    }

    /// Howard Hinnant's `civil_from_days`: the proleptic Gregorian date of a day number.
    static func civil(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// `days_from_civil`, the inverse of `civil`.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
