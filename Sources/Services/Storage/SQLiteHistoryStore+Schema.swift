import SMSCore
import Foundation
import SQLiteNIO
import Spec

/// The embedded store's tables, and rebuilding its in-memory state from them when it opens.
extension SQLiteHistoryStore {
    static let schemaVersion: Int64 = 3

    /// `auto_vacuum` only takes effect before the first table exists, so it comes first.
    /// WAL with synchronous=NORMAL: a commit survives a crash of the process (not of the machine's power).
    static let schema: [String] = [
        "PRAGMA auto_vacuum = INCREMENTAL",
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL",
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
        """
        CREATE TABLE IF NOT EXISTS machines (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
            high_water INTEGER, sealed_seq INTEGER, epoch INTEGER, epoch_base INTEGER)
        """,
        """
        CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, machine_id INTEGER NOT NULL,
            metric TEXT NOT NULL, labels TEXT NOT NULL, UNIQUE (machine_id, metric, labels))
        """,
        // The write-ahead table: batches acknowledged but not yet sealed into a block.
        """
        CREATE TABLE IF NOT EXISTS wal (id INTEGER PRIMARY KEY, machine_id INTEGER NOT NULL,
            last_seq INTEGER NOT NULL, record BLOB NOT NULL)
        """,
        // A seal deletes its machine's records: without this index each delete scanned the whole table, so a
        // 2,500-machine hub spent over a minute sealing on shutdown (and a full scan per seal while running).
        "CREATE INDEX IF NOT EXISTS wal_machine ON wal (machine_id)",
        """
        CREATE TABLE IF NOT EXISTS blocks (id INTEGER PRIMARY KEY, machine_id INTEGER NOT NULL,
            start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, samples INTEGER NOT NULL,
            first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, data BLOB NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS blocks_by_machine_end ON blocks (machine_id, end_ms)",
        """
        CREATE TABLE IF NOT EXISTS rollup_1m (series_id INTEGER NOT NULL, bucket_ms INTEGER NOT NULL,
            min_value REAL, max_value REAL, sum_value REAL, count INTEGER NOT NULL, last_value REAL,
            PRIMARY KEY (series_id, bucket_ms)) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS rollup_1h (series_id INTEGER NOT NULL, bucket_ms INTEGER NOT NULL,
            min_value REAL, max_value REAL, sum_value REAL, count INTEGER NOT NULL, last_value REAL,
            PRIMARY KEY (series_id, bucket_ms)) WITHOUT ROWID
        """,
        // The gap ledger (docs/gaps.md): few rows, written every few seconds, keyed by machine name.
        """
        CREATE TABLE IF NOT EXISTS gaps (machine TEXT NOT NULL, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL,
            kind TEXT NOT NULL, batches INTEGER NOT NULL, PRIMARY KEY (machine, from_ms)) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS gap_cursors (machine TEXT PRIMARY KEY, since_ms INTEGER NOT NULL,
            seq INTEGER NOT NULL, last_ms INTEGER NOT NULL) WITHOUT ROWID
        """,
    ]

    /// Upgrades from each older version: `upgrades[v]` takes a version-`v` file to `v + 1`.
    static let upgrades: [Int64: [String]] = [
        // 2: the collector's sequence epoch (a lost buffer restarts at seq 1 without its batches being dropped).
        1: ["ALTER TABLE machines ADD COLUMN epoch INTEGER", "ALTER TABLE machines ADD COLUMN epoch_base INTEGER"],
        // 3: the gap ledger's tables, created above with every start.
        2: [],
    ]

    /// Creates missing tables, upgrades an older file, and refuses one written by a newer, incompatible version.
    static func migrate(_ db: SQLiteConnection, path: String) async throws {
        for statement in schema { _ = try await db.query(statement) }
        let rows = try await db.query("SELECT value FROM meta WHERE key = 'schema_version'")
        if var version = try rows.first?.int64("value") {
            while version < schemaVersion, let steps = upgrades[version] {
                _ = try await db.query("BEGIN IMMEDIATE")
                do {
                    for statement in steps { _ = try await db.query(statement) }
                    _ = try await db.query("UPDATE meta SET value = ? WHERE key = 'schema_version'", [.int(version + 1)])
                    _ = try await db.query("COMMIT")
                } catch {
                    _ = try? await db.query("ROLLBACK")
                    throw error
                }
                version += 1
            }
            guard version == schemaVersion else {
                throw HistoryStoreError(
                    "history database \(path) has schema version \(version), this build reads \(schemaVersion); "
                        + "use a matching smsctl or move the file away")
            }
        } else {
            _ = try await db.query("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", [.int(schemaVersion)])
        }
    }

    /// Reads machines, series and retention cutoffs, then replays the write-ahead table into open blocks.
    static func loadState(_ db: SQLiteConnection) async throws -> State {
        var state = State()
        for row in try await db.query("SELECT id, name, high_water, sealed_seq, epoch, epoch_base FROM machines") {
            var machine = State.Machine(
                id: try row.int64("id"), name: try row.string("name"),
                highWater: row.seq("high_water"), sealedSeq: row.seq("sealed_seq"))
            if let id = row.seq("epoch") { machine.epoch = SeqEpoch(id: id, base: row.seq("epoch_base") ?? 0) }
            state.machines[machine.name] = machine
            state.machineNames[machine.id] = machine.name
            state.nextMachineId = max(state.nextMachineId, machine.id + 1)
        }
        for row in try await db.query("SELECT id, machine_id, metric, labels FROM series") {
            let id = try row.int64("id")
            let key = SeriesKey(try row.string("metric"), try decodeLabels(try row.string("labels")))
            guard let name = state.machineNames[try row.int64("machine_id")] else { continue }
            state.machines[name]?.seriesIds[key] = id
            state.seriesKeys[id] = key
            state.nextSeriesId = max(state.nextSeriesId, id + 1)
        }
        for row in try await db.query("SELECT key, value FROM meta WHERE key LIKE 'cutoff_%'") {
            let value = try row.int64("value")
            switch try row.string("key") {
            case "cutoff_raw": state.cutoffs.raw = value
            case "cutoff_1m": state.cutoffs.oneMinute = value
            case "cutoff_1h": state.cutoffs.oneHour = value
            default: break
            }
        }
        for row in try await db.query("SELECT machine_id, record FROM wal ORDER BY id") {
            guard let name = state.machineNames[try row.int64("machine_id")] else { continue }
            for entry in try WALRecord.decode(try row.bytes("record")) {
                // The machine's row is not rewritten for every append: its mark is the newest record's.
                let highWater = max(state.machines[name]?.highWater ?? 0, entry.seq)
                state.machines[name]?.highWater = highWater
                // Batches already sealed into a block are skipped, never counted twice.
                if let sealed = state.machines[name]?.sealedSeq, entry.seq <= sealed { continue }
                state.machines[name]?.open.append(seq: entry.seq, time: entry.time, samples: entry.samples)
            }
        }
        return state
    }

    /// Labels as canonical text (JSON, keys sorted), so one series always maps to one row.
    static func encodeLabels(_ labels: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(labels)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeLabels(_ text: String) throws -> [String: String] {
        do {
            return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        } catch {
            throw HistoryStoreError("history database: series labels are not valid JSON: \(text)")
        }
    }
}
