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
                == "\(PostgresHistoryStore.migrations(timescale: false).count)")
            try await stores[0].append(Check.series("m1", count: 5))
            #expect(try await stores[3].highWater(machine: "m1") == 5)
            for store in stores { try await store.close() }
        }

        @Test(
            "two aggregators share a database: each sees the other's machines, rollups are shared work")
        func sharedDatabase() async throws {
            let (_, _, url) = try await freshDatabase()
            let first = try await PostgresHistoryStore.open(url: url, logger: logger)
            let second = try await PostgresHistoryStore.open(url: url, logger: logger)
            async let a = Check.append(Check.series("m1", count: 120), to: first, groupSize: 10)
            async let b = Check.append(Check.series("m2", count: 120), to: second, groupSize: 10)
            _ = try await (a, b)
            try await first.rollUp()
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

        @Test(
            "old data gets daily partitions on demand; retention drops whole partitions, answers match memory"
        )
        func partitionsAndRetention() async throws {
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
            let partitions = try server.sql(
                "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits i "
                    + "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'samples'::regclass",
                database: name)
            for day in ["samples_20231114", "samples_20231115", "samples_20231118", "samples_20231119"] {
                #expect(partitions.contains(day), "\(partitions)")
            }
            let now = start + 4 * 86_400_000
            try await expectSameAnswers(store, memory, from: start - 86_400_000, to: now)
            for (raw, minute) in [(Int64(48), Int64(3)), (30, 2)] {
                let retention = Retention(raw: .hours(raw), oneMinute: .days(minute), oneHour: .days(400))
                try await store.enforceRetention(retention, nowMs: now)
                try await memory.enforceRetention(retention, nowMs: now)
                try await expectSameAnswers(store, memory, from: start - 86_400_000, to: now)
            }
            // Cutoff 2023-11-17 16:00: the days wholly before it are gone, the day holding it stays.
            let left = try server.sql(
                "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits i "
                    + "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'samples'::regclass "
                    + "AND c.relname < 'samples_2024'", database: name)
            #expect(left == "samples_20231117,samples_20231118,samples_20231119")
            let expectedSamples = try await memory.stats().samples
            #expect(try await store.stats().samples == expectedSamples)
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

        /// Two hours of one machine: a row is ~396 bytes for 40 values plus ~36 of index; the empty partitions
        /// made ahead and the free-space map add ~80 kB that a longer run dilutes.
        @Test("40 /proc-like series take at most 12 bytes per sample and read back exactly")
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
            #expect(stats.bytesPerSample <= 12)
            let key = SeriesKey("cpu.core_usage_percent", ["core": "1"])
            let answer = try await store.query(
                HistoryQuery(
                    machine: "mcrn", metric: key.metric, labels: key.labels, fromMs: 0, toMs: .max, tier: .raw
                ))
            let expected = snapshots.map { $0.samples.first { $0.series == key }!.value.bitPattern }
            #expect(answer.first?.points.map(\.value.bitPattern) == expected)
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
            #expect(try server.sql("SELECT count(*) FROM samples") == "200")
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
