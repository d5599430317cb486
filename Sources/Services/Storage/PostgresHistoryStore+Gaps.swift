import PostgresNIO

/// The gap ledger's records in PostgreSQL (docs/gaps.md).
extension PostgresHistoryStore {
    public func recordGaps(_ update: GapUpdate) async throws {
        guard !update.isEmpty else { return }
        let gaps = update.gaps.flatMap { machine, gaps in gaps.map { (machine, $0) } }
        let cursors = Array(update.cursors)
        try await read { db in
            try await db.query("BEGIN", logger: logger)
            do {
                if !gaps.isEmpty {
                    try await db.query(
                        """
                        INSERT INTO gaps (machine, from_ms, to_ms, kind, batches)
                        SELECT * FROM unnest(\(gaps.map(\.0))::text[], \(gaps.map(\.1.fromMs))::int8[],
                            \(gaps.map(\.1.toMs))::int8[], \(gaps.map(\.1.kind.rawValue))::text[],
                            \(gaps.map { Int64(bitPattern: $0.1.batches) })::int8[])
                        ON CONFLICT (machine, from_ms) DO UPDATE
                        SET to_ms = excluded.to_ms, kind = excluded.kind, batches = excluded.batches
                        """, logger: logger)
                }
                if !cursors.isEmpty {
                    try await db.query(
                        """
                        INSERT INTO gap_cursors (machine, since_ms, seq, last_ms)
                        SELECT * FROM unnest(\(cursors.map(\.key))::text[], \(cursors.map(\.value.sinceMs))::int8[],
                            \(cursors.map { Int64(bitPattern: $0.value.seq) })::int8[], \(cursors.map(\.value.lastMs))::int8[])
                        ON CONFLICT (machine) DO UPDATE
                        SET since_ms = excluded.since_ms, seq = excluded.seq, last_ms = excluded.last_ms
                        """, logger: logger)
                }
                try await db.query("COMMIT", logger: logger)
            } catch {
                if !db.isClosed { _ = try? await db.query("ROLLBACK", logger: logger) }
                throw error
            }
        }
    }

    public func gaps(machine: String?, fromMs: Int64, toMs: Int64) async throws -> [String: MachineGaps] {
        try await read { db in
            var out: [String: MachineGaps] = [:]
            for try await (name, since, seq, last) in try await db.query(
                "SELECT machine, since_ms, seq, last_ms FROM gap_cursors WHERE \(machine)::text IS NULL OR machine = \(machine)::text",
                logger: logger
            ).decode((String, Int64, Int64, Int64).self) {
                out[name] = MachineGaps(cursor: GapCursor(sinceMs: since, seq: UInt64(bitPattern: seq), lastMs: last), gaps: [])
            }
            for try await (name, from, to, kind, batches) in try await db.query(
                """
                SELECT machine, from_ms, to_ms, kind, batches FROM gaps
                WHERE (\(machine)::text IS NULL OR machine = \(machine)::text) AND to_ms > \(fromMs) AND from_ms < \(toMs)
                ORDER BY machine, from_ms
                """, logger: logger
            ).decode((String, Int64, Int64, String, Int64).self) {
                guard let kind = DataGap.Kind(rawValue: kind) else { continue }
                out[name, default: MachineGaps(cursor: nil, gaps: [])].gaps.append(
                    DataGap(kind: kind, fromMs: from, toMs: to, batches: UInt64(bitPattern: batches)))
            }
            return out
        }
    }
}
