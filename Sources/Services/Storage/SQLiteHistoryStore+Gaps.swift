import SQLiteNIO

/// The gap ledger's records in the SQLite file (docs/gaps.md).
extension SQLiteHistoryStore {
    public func recordGaps(_ update: GapUpdate) async throws {
        guard !update.isEmpty else { return }
        try await exclusive {
            _ = try await db.query("BEGIN IMMEDIATE")
            do {
                let gapRows: [[SQLiteData]] = update.gaps.flatMap { machine, gaps in
                    gaps.map { gap -> [SQLiteData] in
                        [.text(machine), .int(gap.fromMs), .int(gap.toMs), .text(gap.kind.rawValue), .seq(gap.batches)]
                    }
                }
                try await db.insertRows(
                    "INSERT INTO gaps (machine, from_ms, to_ms, kind, batches)", columns: 5, rows: gapRows,
                    tail: "ON CONFLICT (machine, from_ms) DO UPDATE SET to_ms = excluded.to_ms, kind = excluded.kind, "
                        + "batches = excluded.batches")
                try await db.insertRows(
                    "INSERT INTO gap_cursors (machine, since_ms, seq, last_ms)", columns: 4,
                    rows: update.cursors.map { machine, c -> [SQLiteData] in
                        [.text(machine), .int(c.sinceMs), .seq(c.seq), .int(c.lastMs)]
                    },
                    tail: "ON CONFLICT (machine) DO UPDATE SET since_ms = excluded.since_ms, seq = excluded.seq, "
                        + "last_ms = excluded.last_ms")
                _ = try await db.query("COMMIT")
            } catch {
                _ = try? await db.query("ROLLBACK")
                throw HistoryStoreError("cannot record data gaps in \(path) (\(error))")
            }
        }
    }

    public func gaps(machine: String?, fromMs: Int64, toMs: Int64) async throws -> [String: MachineGaps] {
        try await exclusive {
            let name: SQLiteData = machine.map { .text($0) } ?? .null
            var out: [String: MachineGaps] = [:]
            for row in try await db.query(
                "SELECT machine, since_ms, seq, last_ms FROM gap_cursors WHERE ?1 IS NULL OR machine = ?1", [name])
            {
                out[try row.string("machine")] = MachineGaps(
                    cursor: GapCursor(sinceMs: try row.int64("since_ms"), seq: row.seq("seq") ?? 0, lastMs: try row.int64("last_ms")),
                    gaps: [])
            }
            for row in try await db.query(
                """
                SELECT machine, from_ms, to_ms, kind, batches FROM gaps
                WHERE (?1 IS NULL OR machine = ?1) AND to_ms > ?2 AND from_ms < ?3 ORDER BY machine, from_ms
                """, [name, .int(fromMs), .int(toMs)])
            {
                guard let kind = DataGap.Kind(rawValue: try row.string("kind")) else { continue }
                let gap = DataGap(
                    kind: kind, fromMs: try row.int64("from_ms"), toMs: try row.int64("to_ms"), batches: row.seq("batches") ?? 0)
                out[try row.string("machine"), default: MachineGaps(cursor: nil, gaps: [])].gaps.append(gap)
            }
            return out
        }
    }
}
