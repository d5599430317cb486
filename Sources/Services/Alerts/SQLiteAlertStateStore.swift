import SMSCore
import Foundation
import Logging
import NIOPosix
import SQLiteNIO

/// Alert state in its own embedded SQLite file (`<data dir>/alerts.sqlite`).
///
/// Not the history database: history may be PostgreSQL, and the embedded history store is the single writer
/// of its file. Alert state is small and written on transitions only, so one more file costs nothing and
/// keeps the alerts role runnable on its own. Instances are stored as JSON (one row per pending or firing
/// alert); periods and events are plain rows that history queries read.
public actor SQLiteAlertStateStore: AlertStateStore {
    static let schemaVersion: Int64 = 1
    /// Event log rows kept; older ones are deleted now and then.
    static let keptEvents: Int64 = 100_000
    static let schema = [
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL",
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
        """
        CREATE TABLE IF NOT EXISTS alert_instances (rule TEXT NOT NULL, machine TEXT NOT NULL, series TEXT NOT NULL,
            data TEXT NOT NULL, PRIMARY KEY (rule, machine, series)) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS alert_periods (rule TEXT NOT NULL, machine TEXT NOT NULL, series TEXT NOT NULL,
            since_ms INTEGER NOT NULL, ended_ms INTEGER, severity TEXT NOT NULL, value REAL, threshold REAL,
            summary TEXT NOT NULL, PRIMARY KEY (rule, machine, series, since_ms)) WITHOUT ROWID
        """,
        "CREATE INDEX IF NOT EXISTS alert_periods_by_since ON alert_periods (since_ms)",
        """
        CREATE TABLE IF NOT EXISTS alert_events (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, kind TEXT NOT NULL,
            rule TEXT NOT NULL, machine TEXT NOT NULL, series TEXT NOT NULL, severity TEXT NOT NULL, value REAL,
            threshold REAL, reason TEXT)
        """,
        "CREATE TABLE IF NOT EXISTS machines_seen (machine TEXT PRIMARY KEY, last_seen_ms INTEGER NOT NULL)",
    ]

    let db: SQLiteConnection
    let path: String
    private var saves = 0

    private init(db: SQLiteConnection, path: String) {
        self.db = db
        self.path = path
    }

    /// Opens (creating if needed) the database at `path`.
    public static func open(path: String, logger: Logger) async throws -> SQLiteAlertStateStore {
        let db = try await SQLiteConnection.openFile(path, logger: logger) {
            AlertStoreError("cannot open alert database \(path) (\($0)); is the directory writable?")
        }
        do {
            for statement in schema { _ = try await db.query(statement) }
            let rows = try await db.query("SELECT value FROM meta WHERE key = 'schema_version'")
            if let version = rows.first?.column("value")?.integer {
                guard Int64(version) == schemaVersion else {
                    throw AlertStoreError(
                        "alert database \(path) has schema version \(version), this build reads \(schemaVersion); "
                            + "use a matching smsctl or move the file away")
                }
            } else {
                _ = try await db.query(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", [.integer(Int(schemaVersion))])
            }
        } catch {
            try? await db.close()
            throw error
        }
        return SQLiteAlertStateStore(db: db, path: path)
    }

    public func load() async throws -> AlertStoreSnapshot {
        let decoder = JSONDecoder()
        var instances: [AlertInstance] = []
        for row in try await db.query("SELECT data FROM alert_instances") {
            guard let text = row.column("data")?.string else { continue }
            instances.append(try decoder.decode(AlertInstance.self, from: Data(text.utf8)))
        }
        var seen: [String: Int64] = [:]
        for row in try await db.query("SELECT machine, last_seen_ms FROM machines_seen") {
            if let machine = row.column("machine")?.string, let ms = row.column("last_seen_ms")?.integer {
                seen[machine] = Int64(ms)
            }
        }
        return AlertStoreSnapshot(instances: instances, lastSeenMs: seen)
    }

    /// The save running or queued last; each save waits for it.
    private var lastSave: Task<Void, Never>?

    /// Saves in one transaction. Calls are queued: an actor is reentrant at every `await`, and two transactions
    /// interleaved on one connection would make the second `BEGIN` fail and lose that save.
    public func save(_ changes: AlertStoreChanges) async throws {
        guard !changes.isEmpty else { return }
        let previous = lastSave
        let current = Task {
            await previous?.value
            try await self.saveNow(changes)
        }
        lastSave = Task { _ = try? await current.value }
        try await current.value
    }

    private func saveNow(_ changes: AlertStoreChanges) async throws {
        _ = try await db.query("BEGIN IMMEDIATE")
        do {
            try await write(changes)
            _ = try await db.query("COMMIT")
        } catch {
            _ = try? await db.query("ROLLBACK")
            throw AlertStoreError("cannot write alert database \(path) (\(error))")
        }
        saves += 1
        if saves % 1000 == 1 {
            _ = try? await db.query(
                "DELETE FROM alert_events WHERE id <= (SELECT MAX(id) FROM alert_events) - ?",
                [.integer(Int(Self.keptEvents))])
        }
    }

    private func write(_ changes: AlertStoreChanges) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for key in changes.deletes {
            _ = try await db.query(
                "DELETE FROM alert_instances WHERE rule = ? AND machine = ? AND series = ?",
                [.text(key.rule), .text(key.machine), .text(key.series)])
        }
        for instance in changes.upserts {
            let data = String(decoding: try encoder.encode(instance), as: UTF8.self)
            let key = instance.key
            _ = try await db.query(
                "INSERT OR REPLACE INTO alert_instances (rule, machine, series, data) VALUES (?, ?, ?, ?)",
                [.text(key.rule), .text(key.machine), .text(key.series), .text(data)])
        }
        for p in changes.periods {
            _ = try await db.query(
                """
                INSERT OR REPLACE INTO alert_periods
                    (rule, machine, series, since_ms, ended_ms, severity, value, threshold, summary)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(p.key.rule), .text(p.key.machine), .text(p.key.series), .int(p.sinceMs),
                    p.endedMs.map(SQLiteData.int) ?? .null, .text(p.severity.rawValue), Self.real(p.value),
                    Self.real(p.threshold), .text(p.summary),
                ])
        }
        for e in changes.events {
            _ = try await db.query(
                """
                INSERT INTO alert_events (at_ms, kind, rule, machine, series, severity, value, threshold, reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .int(e.atMs), .text(e.kind.rawValue), .text(e.key.rule), .text(e.key.machine), .text(e.key.series),
                    .text(e.severity.rawValue), Self.real(e.value), Self.real(e.threshold),
                    e.reason.map(SQLiteData.text) ?? .null,
                ])
        }
        for (machine, ms) in changes.lastSeenMs {
            _ = try await db.query(
                "INSERT OR REPLACE INTO machines_seen (machine, last_seen_ms) VALUES (?, ?)",
                [.text(machine), .int(ms)])
        }
    }

    public func close() async throws { try await db.close() }

    static func real(_ value: Double?) -> SQLiteData { value.map(SQLiteData.real) ?? .null }
}

/// The alert database cannot be opened, read or written; the message says which file and what to do.
public struct AlertStoreError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
