import Foundation
import Logging
import Spec
import TestSupport
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

extension StorageTests {
    /// PostgreSQL-specific behaviour; the shared conformance checks run against PostgreSQL too.
    @Suite("PostgreSQL history store")
    struct PostgresHistoryStoreTests {
        let logger = Logger(label: "test.history")
        typealias Check = HistoryStoreConformance

        /// A fresh database on the shared server.
        func freshDatabase() async throws -> (server: PostgresServer, name: String, url: String) {
            let server = try await PostgresServer.shared()
            let name = PostgresServer.uniqueName("pg")
            return (server, name, try await server.createDatabase(name))
        }

        @Test("four aggregators opening one fresh database at once all succeed and migrate it once")
        func concurrentMigrations() async throws {
            let (server, name, url) = try await freshDatabase()
            let stores = try await withThrowingTaskGroup(of: PostgresHistoryStore.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await PostgresHistoryStore.open(url: url, logger: logger) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(stores.count == 4)
            #expect(try server.sql("SELECT count(*) FROM schema_migrations", database: name)
                == "\(PostgresHistoryStore.migrations.count)")
            try await stores[0].append(Check.series("m1", count: 5))
            #expect(try await stores[3].highWater(machine: "m1") == 5)
            for store in stores { try await store.close() }
        }

        @Test(
            "two aggregators share a database: each sees the other's machines and unsealed data")
        func sharedDatabase() async throws {
            let (_, _, url) = try await freshDatabase()
            let first = try await PostgresHistoryStore.open(url: url, logger: logger)
            let second = try await PostgresHistoryStore.open(url: url, logger: logger)
            async let a = Check.append(Check.series("m1", count: 120), to: first, groupSize: 10)
            async let b = Check.append(Check.series("m2", count: 120), to: second, groupSize: 10)
            _ = try await (a, b)
            #expect(try await Check.raw(second, "m1", Check.memory).count == 120)
            #expect(try await second.series(machine: "m1") == [Check.cpu, Check.memory])
            // A replay of m1 through the other aggregator is still a duplicate.
            #expect(
                try await second.append(Check.series("m1", count: 3))
                    == AppendResult(stored: 0, duplicates: 3))
            let minutes = try await first.query(
                HistoryQuery(
                    machine: "m2", metric: Check.memory.metric, fromMs: Check.hour,
                    toMs: Check.hour + 600_000,
                    tier: .oneMinute))
            #expect(minutes.first?.points.count == 2)
            try await first.close()
            try await second.close()
        }

        @Test("retention deletes whole expired blocks; answers match memory before and after")
        func retention() async throws {
            let (server, name, url) = try await freshDatabase()
            let store = try await PostgresHistoryStore.open(url: url, logger: logger)
            let memory = MemoryHistoryStore()
            let start = Check.hour  // 2023-11-14 22:00 UTC
            let batches = (0..<600).map { (index: Int) -> Batch in
                let t = start + Int64(index) * 600_000
                let cpu = Double((index * 37) % 100) / 3
                return Check.batch(
                    "m1", UInt64(index + 1), t, [Sample(Check.cpu, cpu), Sample(Check.memory, Double(index))])
            }
            try await Check.append(batches, to: store, groupSize: 50)
            try await Check.append(batches, to: memory, groupSize: 50)
            // Ten-minute batches: a block per hour (the span limit), the last hour still open.
            #expect(try server.sql("SELECT count(*) FROM blocks", database: name) == "99")
            let now = start + 4 * 86_400_000
            try await expectSameAnswers(store, memory, from: start - 86_400_000, to: now)
            for (raw, minute) in [(Int64(48), Int64(3)), (30, 2)] {
                let retention = Retention(raw: .hours(raw), oneMinute: .days(minute), oneHour: .days(400))
                try await store.enforceRetention(retention, nowMs: now)
                try await memory.enforceRetention(retention, nowMs: now)
                try await expectSameAnswers(store, memory, from: start - 86_400_000, to: now)
            }
            // Cutoff 2023-11-17 16:00, an hour boundary: every block before it is gone, none after.
            let cutoff = now - 30 * 3_600_000
            #expect(try server.sql("SELECT count(*) FROM blocks WHERE end_ms < \(cutoff)", database: name) == "0")
            #expect(try server.sql("SELECT min(start_ms) FROM blocks", database: name) == "\(cutoff)")
            let expectedSamples = try await memory.stats().samples
            #expect(try await store.stats().samples == expectedSamples)
            try await store.close()
        }

        @Test("a machine moving between aggregators mid-block: each picks up the other's unsealed batches")
        func machineMoves() async throws {
            let (server, name, url) = try await freshDatabase()
            let first = try await PostgresHistoryStore.open(url: url, logger: logger)
            let second = try await PostgresHistoryStore.open(url: url, logger: logger)
            // The embedded store is the reference: its rollups add up block by block, as PostgreSQL's do.
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let embedded = try await SQLiteHistoryStore.open(path: directory.path + "/history.sqlite", logger: logger)
            // Plain values (NaN is never equal to itself, so the answers could not be compared whole).
            let batches = (0..<600).map { (index: Int) -> Batch in
                Check.batch(
                    "m1", UInt64(index + 1), Check.hour + Int64(index) * 1000,
                    [Sample(Check.cpu, Double((index * 37) % 100) / 3), Sample(Check.memory, Double(index))])
            }
            try await Check.append(batches, to: embedded)
            // 100 through the first, 200 through the second (its first seal must include the first's 100), 50
            // back through the first (its open block is stale), the rest through the second.
            try await Check.append(Array(batches[0..<100]), to: first, groupSize: 25)
            try await Check.append(Array(batches[100..<300]), to: second, groupSize: 25)
            try await Check.append(Array(batches[300..<350]), to: first, groupSize: 25)
            try await Check.append(Array(batches[350...]), to: second, groupSize: 25)
            // m1's first block ends at its own point (120…240, so that machines started together seal apart), then
            // every 240.
            let firstSeal = OpenBlock.sealPoint(machineId: 1, blockBatches: 240, sealedBefore: false)
            #expect(try server.sql("SELECT string_agg(first_seq || '-' || last_seq, ',' ORDER BY first_seq) FROM blocks",
                database: name) == "1-\(firstSeal),\(firstSeal + 1)-\(firstSeal + 240)")
            for store in [first, second] {
                try await expectSameAnswers(store, embedded, from: Check.hour, to: Check.hour + 86_400_000)
            }
            #expect(try await first.stats().samples == (try await embedded.stats().samples))
            // Closing the first seals m1's open batches as they stand in the database (the second's), once; the
            // second then finds nothing left to seal.
            try await first.close()
            try await second.close()
            #expect(try server.sql("SELECT string_agg(first_seq || '-' || last_seq, ',' ORDER BY first_seq) FROM blocks",
                database: name) == "1-\(firstSeal),\(firstSeal + 1)-\(firstSeal + 240),\(firstSeal + 241)-600")
            let reopened = try await PostgresHistoryStore.open(url: url, logger: logger)
            try await expectSameAnswers(reopened, embedded, from: Check.hour, to: Check.hour + 86_400_000)
            try await reopened.close()
            try await embedded.close()
        }

        @Test("a version 3 database (a row per batch) is moved into blocks on open; its answers stay the same")
        func rowsBecomeBlocks() async throws {
            let (server, name, url) = try await freshDatabase()
            for statement in PostgresHistoryStore.migrations[0..<3].joined() {
                _ = try server.sql(statement, database: name)
            }
            _ = try server.sql(
                "CREATE TABLE schema_migrations (version int4 PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());"
                    + "INSERT INTO schema_migrations (version) VALUES (1), (2), (3)", database: name)
            let memory = MemoryHistoryStore()
            let batches = (0..<300).map { (index: Int) -> Batch in
                Check.batch(
                    "m1", UInt64(index + 1), Check.hour + Int64(index) * 10_000,
                    [Sample(Check.cpu, Double((index * 37) % 100) / 3), Sample(Check.memory, Double(index))])
            }
            try await Check.append(batches, to: memory)
            let labels = SQLiteHistoryStore.encodeLabels([:])
            let rows = batches.map { "(1, 1, \($0.timestampMs), \($0.seq), '{\($0.samples.map { "\($0.value)" }.joined(separator: ","))}')" }
            _ = try server.sql(
                """
                INSERT INTO machines (name, high_water) VALUES ('m1', 300);
                INSERT INTO series (machine_id, metric, labels) VALUES (1, '\(Check.cpu.metric)', '\(labels)'),
                    (1, '\(Check.memory.metric)', '\(labels)');
                INSERT INTO layouts (machine_id, series_ids, list_hash) VALUES (1, '{1,2}', md5('{1,2}'));
                INSERT INTO samples (machine_id, layout_id, t, seq, vals) VALUES \(rows.joined(separator: ","));
                """, database: name)
            let store = try await PostgresHistoryStore.open(url: url, logger: logger)
            #expect(try server.sql("SELECT string_agg(first_seq || '-' || last_seq, ',' ORDER BY first_seq) FROM blocks",
                database: name) == "1-240,241-300")
            #expect(try server.sql("SELECT count(*) FROM pg_class WHERE relname IN ('samples', 'layouts')", database: name) == "0")
            try await expectSameAnswers(store, memory, from: Check.hour, to: Check.hour + 86_400_000)
            // It carries on from there: the next batch is not a duplicate, and a replay is.
            #expect(try await store.append(Check.series("m1", count: 1, firstSeq: 301, start: Check.hour + 3_000_000))
                == AppendResult(stored: 1, duplicates: 0))
            #expect(try await store.append(Array(batches[299...])) == AppendResult(stored: 0, duplicates: 1))
            try await store.close()
        }

        /// Every tier's answer for both series over the range, bit for bit.
        func expectSameAnswers(
            _ store: any HistoryStore, _ expected: any HistoryStore, from: Int64, to: Int64
        )
            async throws
        {
            for tier in HistoryTier.allCases {
                for key in [Check.cpu, Check.memory] {
                    let q = HistoryQuery(
                        machine: "m1", metric: key.metric, fromMs: from, toMs: to, tier: tier)
                    let got = try await store.query(q)
                    let want = try await expected.query(q)
                    #expect(
                        got == want,
                        "\(tier) \(key): \(got.first?.points.count ?? 0) vs \(want.first?.points.count ?? 0)")
                }
            }
        }

        /// Two hours of one machine: thirty sealed blocks, in the embedded store's codec.
        @Test("40 /proc-like series take at most 2 bytes per sample and read back exactly")
        func bytesPerSample() async throws {
            let (_, _, url) = try await freshDatabase()
            let store = try await PostgresHistoryStore.open(url: url, logger: logger)
            let snapshots = ProcLikeData.snapshots(count: 7_200)
            let batches = snapshots.enumerated().map {
                Batch(machine: "mcrn", seq: UInt64($0.offset + 1), snapshot: $0.element)
            }
            try await Check.append(batches, to: store, groupSize: 100)
            let stats = try await store.stats()
            print(
                "postgres raw tier: \(stats.rawBytes) bytes for \(stats.samples) samples = "
                    + String(format: "%.2f", stats.bytesPerSample)
                    + " bytes/sample; database \(stats.totalBytes) bytes")
            #expect(stats.samples == 288_000)
            #expect(stats.bytesPerSample <= 2)
            let key = SeriesKey("cpu.core_usage_percent", ["core": "1"])
            let answer = try await store.query(
                HistoryQuery(
                    machine: "mcrn", metric: key.metric, labels: key.labels, fromMs: 0, toMs: .max, tier: .raw
                ))
            let expected = snapshots.map { $0.samples.first { $0.series == key }!.value.bitPattern }
            #expect(answer.first?.points.map(\.value.bitPattern) == expected)
            try await store.close()
        }

        /// The hour recorded from a real machine's collector (the embedded store's test keeps it under 1 byte per
        /// sample): the same codec in PostgreSQL, after the aggregator's close sealed the last block.
        @Test("a real machine's recorded hour takes at most 1 byte per sample and reads back exactly")
        func compressionOnCapturedProc() async throws {
            let (_, _, url) = try await freshDatabase()
            let batches = try await offPool { try ProcCapture.batches(machine: "capture") }
            let sampleCount = batches.reduce(0) { $0 + $1.samples.count }
            var store = try await PostgresHistoryStore.open(url: url, logger: logger)
            try await Check.append(batches, to: store, groupSize: 100)
            try await store.close()
            store = try await PostgresHistoryStore.open(url: url, logger: logger)
            let stats = try await store.stats()
            print("postgres capture: \(sampleCount) samples, \(stats.rawBytes) bytes, \(stats.bytesPerSample) B/sample")
            #expect(stats.samples == sampleCount)
            #expect(stats.bytesPerSample <= 1.0, "raw tier: \(stats.rawBytes) bytes for \(stats.samples) samples")
            let key = batches[0].samples[0].series
            let answer = try await store.query(
                HistoryQuery(machine: "capture", metric: key.metric, labels: key.labels, fromMs: 0, toMs: .max, tier: .raw))
            let expected = batches.compactMap { batch in
                batch.samples.last { $0.series == key }.map { "\(batch.timestampMs) \($0.value.bitPattern)" }
            }
            #expect(answer.first { $0.series == key }?.points.map { "\($0.t) \($0.value.bitPattern)" } == expected)
            try await store.close()
        }

        @Test("bulk write figure: 20,000 batches of 40 samples in appends of 500")
        func bulkWrite() async throws {
            let (_, _, url) = try await freshDatabase()
            let store = try await PostgresHistoryStore.open(url: url, logger: logger)
            let batches = ProcLikeData.snapshots(count: 20_000).enumerated().map {
                Batch(machine: "bulk", seq: UInt64($0.offset + 1), snapshot: $0.element)
            }
            let clock = ContinuousClock()
            let elapsed = try await clock.measure {
                try await Check.append(batches, to: store, groupSize: 500)
            }
            let seconds =
                Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(
                "postgres bulk write: \(Int(20_000 / seconds)) rows/s, \(Int(800_000 / seconds)) samples/s "
                    + "(\(String(format: "%.2f", seconds)) s)")
            #expect(try await store.highWater(machine: "bulk") == 20_000)
            try await store.close()
        }

        @Test(
            "an outage holds appends until the server returns; nothing is lost or stored twice; reads fail fast"
        )
        func outage() async throws {
            let server = try await PostgresServer.launch()
            let store = try await PostgresHistoryStore.open(
                url: server.url, options: .init(outageWait: .seconds(30)), logger: logger)
            try await Check.append(Check.series("m1", count: 100), to: store)
            try await server.stop()
            let pending = Task { try await store.append(Check.series("m1", count: 100, firstSeq: 101)) }
            let clock = ContinuousClock()
            let started = clock.now
            await #expect(throws: (any Error).self) {
                _ = try await store.query(
                    HistoryQuery(machine: "m1", metric: Check.cpu.metric, fromMs: 0, toMs: .max, tier: .raw))
            }
            #expect(clock.now - started < .seconds(2))
            try await Task.sleep(for: .seconds(2))
            try await server.start()
            let result = try await pending.value
            #expect(clock.now - started < .seconds(10))
            #expect(result == AppendResult(stored: 100, duplicates: 0))
            #expect(try server.sql("SELECT sum(samples) / 2 FROM wal") == "200")
            // The collector's replay of what it had sent is deduplicated; new batches go on being stored.
            #expect(
                try await store.append(Check.series("m1", count: 200))
                    == AppendResult(stored: 0, duplicates: 200))
            try await store.append(
                Check.series("m1", count: 10, firstSeq: 201, start: Check.hour + 300_000))
            #expect(try await Check.raw(store, "m1", Check.memory).count == 210)
            try await store.close()
        }

        @Test("an append gives up after the outage bound with a clear error, having stored nothing")
        func outageBound() async throws {
            let server = try await PostgresServer.launch()
            let store = try await PostgresHistoryStore.open(
                url: server.url, options: .init(outageWait: .seconds(2)), logger: logger)
            try await server.stop()
            do {
                try await store.append(Check.series("m1", count: 5))
                Issue.record("expected an error")
            } catch let error as HistoryStoreError {
                #expect(
                    error.description.contains("cannot reach PostgreSQL at 127.0.0.1:\(server.port)/sms"))
                #expect(error.description.contains("nothing of it was stored"))
            }
            try await server.start()
            #expect(
                try await store.append(Check.series("m1", count: 5))
                    == AppendResult(stored: 5, duplicates: 0))
            try await store.close()
        }

        @Test(
            "URL and connection problems say what to fix, never the password",
            arguments: [
                ("mysql://sms:hunter2@db/sms", "is not a PostgreSQL URL"),
                ("postgres://sms:hunter2@db:5432", "names no database"),
                ("postgres://db:5432/sms", "names no user"),
                ("postgres://sms:hunter2@db/sms?sslmode=allow", "sslmode \"allow\" is not supported"),
            ])
        func urlProblems(url: String, message: String) async throws {
            do {
                _ = try await PostgresHistoryStore.open(url: url, logger: logger)
                Issue.record("expected an error")
            } catch let error as HistoryStoreError {
                #expect(error.description.contains(message), "\(error)")
                #expect(!error.description.contains("hunter2"))
            }
        }

        @Test("a refused connection and a missing database are explained")
        func connectionProblems() async throws {
            let server = try await PostgresServer.shared()
            let closed = try freePort()
            do {
                _ = try await PostgresHistoryStore.open(
                    url: "postgres://sms:hunter2@127.0.0.1:\(closed)/sms", logger: logger)
                Issue.record("expected an error")
            } catch let error as HistoryStoreError {
                #expect(
                    error.description.contains("cannot reach PostgreSQL at 127.0.0.1:\(closed)/sms"),
                    "\(error)")
                #expect(error.description.contains("connection refused"), "\(error)")
                #expect(!error.description.contains("hunter2"))
            }
            do {
                _ = try await PostgresHistoryStore.open(
                    url: server.url(database: "nowhere"), logger: logger)
                Issue.record("expected an error")
            } catch let error as HistoryStoreError {
                #expect(error.description.contains("\"nowhere\" does not exist"), "\(error)")
                #expect(error.description.contains("createdb"), "\(error)")
            }
        }

        @Test("the factory opens PostgreSQL for a postgres:// backend")
        func factory() async throws {
            let (_, _, url) = try await freshDatabase()
            let store = try await HistoryStoreFactory.make(
                .postgres(url: url), dataDir: "/nonexistent", logger: logger)
            try await store.append(Check.series("m1", count: 3))
            #expect(try await store.highWater(machine: "m1") == 3)
            #expect(store is PostgresHistoryStore)
            try await store.close()
        }
    }
}
