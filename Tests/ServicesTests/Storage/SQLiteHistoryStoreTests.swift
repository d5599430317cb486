import Foundation
import Logging
import SQLiteNIO
import Spec
import Testing
import TestSupport

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

extension StorageTests {
    @Suite("SQLite history store")
    struct SQLiteHistoryStoreTests {
        let logger = Logger(label: "test.history")

        @Test("an hour of 40 /proc-like series takes under 2 bytes per sample and reads back exactly")
        func compressionOnRealisticData() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let path = directory.path + "/history.sqlite"
            let snapshots = ProcLikeData.snapshots(count: 3_600)
            #expect(Set(snapshots.flatMap { $0.samples.map(\.series) }).count == 40)
            var store = try await SQLiteHistoryStore.open(path: path, logger: logger)
            let batches = snapshots.enumerated().map {
                Batch(machine: "mcrn", seq: UInt64($0.offset + 1), snapshot: $0.element)
            }
            try await HistoryStoreConformance.append(batches, to: store, groupSize: 100)
            try await store.close()
            store = try await SQLiteHistoryStore.open(path: path, logger: logger)
            let stats = try await store.stats()
            #expect(stats.samples == 144_000)
            #expect(stats.bytesPerSample < 2.0, "raw tier: \(stats.rawBytes) bytes")
            let key = SeriesKey("cpu.core_usage_percent", ["core": "1"])
            let answer = try await store.query(
                HistoryQuery(machine: "mcrn", metric: key.metric, labels: key.labels, fromMs: 0, toMs: .max, tier: .raw)
            )
            let expected = snapshots.map { $0.samples.first { $0.series == key }!.value.bitPattern }
            #expect(answer.first?.points.map(\.value.bitPattern) == expected)
            try await store.close()
        }

        @Test("an hour of a real machine's series (the recorded capture) takes at most 1 byte per sample and reads back exactly")
        func compressionOnCapturedProc() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let path = directory.path + "/history.sqlite"
            let batches = try await offPool { try ProcCapture.batches(machine: "capture") }
            let sampleCount = batches.reduce(0) { $0 + $1.samples.count }
            #expect(batches.count >= 3_600 && sampleCount >= 360_000, "\(batches.count) batches, \(sampleCount) samples")
            var store = try await SQLiteHistoryStore.open(path: path, logger: logger)
            try await HistoryStoreConformance.append(batches, to: store, groupSize: 100)
            try await store.close()
            store = try await SQLiteHistoryStore.open(path: path, logger: logger)
            let stats = try await store.stats()
            #expect(stats.samples == sampleCount)
            #expect(stats.bytesPerSample <= 1.0, "raw tier: \(stats.rawBytes) bytes for \(stats.samples) samples")
            print("capture: \(sampleCount) samples, \(stats.rawBytes) bytes, \(stats.bytesPerSample) B/sample")
            // Every series reads back bit for bit, at its own times.
            let keys = Set(batches.flatMap { $0.samples.map(\.series) })
            for key in keys {
                let answer = try await store.query(
                    HistoryQuery(machine: "capture", metric: key.metric, labels: key.labels, fromMs: 0, toMs: .max, tier: .raw))
                let got = answer.first { $0.series == key }?.points.map { "\($0.t) \($0.value.bitPattern)" }
                let expected = batches.compactMap { batch in
                    batch.samples.last { $0.series == key }.map { "\(batch.timestampMs) \($0.value.bitPattern)" }
                }
                #expect(got == expected, "\(key)")
            }
            try await store.close()
        }

        @Test("the factory opens the embedded store in the data directory, creating it")
        func factoryEmbedded() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let dataDir = directory.path + "/state/data"
            let store = try await HistoryStoreFactory.make(.embedded, dataDir: dataDir, logger: logger)
            try await store.append(HistoryStoreConformance.series("m1", count: 3))
            #expect(try await store.highWater(machine: "m1") == 3)
            try await store.close()
            #expect(FileManager.default.fileExists(atPath: dataDir + "/" + HistoryStoreFactory.embeddedFileName))
        }

        @Test("a database from a newer schema is refused with a message naming the file")
        func newerSchemaRefused() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let path = directory.path + "/history.sqlite"
            try await SQLiteHistoryStore.open(path: path, logger: logger).close()
            let db = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            _ = try await db.query("UPDATE meta SET value = 99 WHERE key = 'schema_version'")
            try await db.close()
            do {
                _ = try await SQLiteHistoryStore.open(path: path, logger: logger)
                Issue.record("expected an error")
            } catch let error as HistoryStoreError {
                #expect(error.description.contains(path))
                #expect(error.description.contains("schema version 99"))
            }
        }

        @Test("a version-1 database is upgraded in place: its machines and samples stay, epochs can be kept")
        func versionOneUpgraded() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let path = directory.path + "/history.sqlite"
            // A file as sms wrote it before sequence epochs: the machines table without their columns.
            let db = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            for statement in SQLiteHistoryStore.schema {
                _ = try await db.query(statement.replacingOccurrences(of: ", epoch INTEGER, epoch_base INTEGER", with: ""))
            }
            _ = try await db.query("INSERT INTO meta (key, value) VALUES ('schema_version', 1)")
            _ = try await db.query("INSERT INTO machines (id, name, high_water) VALUES (1, 'old', 41)")
            try await db.close()
            let store = try await SQLiteHistoryStore.open(path: path, logger: logger)
            #expect(try await store.highWater(machine: "old") == 41)
            #expect(try await store.epoch(machine: "old") == nil)
            try await store.setEpoch(SeqEpoch(id: 3, base: 41), machine: "old")
            try await store.close()
            let reopened = try await SQLiteHistoryStore.open(path: path, logger: logger)
            #expect(try await reopened.epoch(machine: "old") == SeqEpoch(id: 3, base: 41))
            try await reopened.close()
        }

        @Test("a full block is sealed: the write-ahead table only holds batches not yet in a block")
        func sealingEmptiesWriteAheadTable() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let path = directory.path + "/history.sqlite"
            let store = try await SQLiteHistoryStore.open(path: path, options: .init(blockBatches: 50), logger: logger)
            try await store.append(HistoryStoreConformance.series("m1", count: 120))
            let db = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            let blocks = try await db.query("SELECT count(*) AS n FROM blocks").first?.column("n")?.integer
            let pending = try await db.query("SELECT record FROM wal").map {
                try WALRecord.decode(try $0.bytes("record"))
            }
            try await db.close()
            // The machine's first block ends early, at its own point between 25 and 50; then every 50.
            let first = OpenBlock.sealPoint(machineId: 1, blockBatches: 50, sealedBefore: false)
            #expect((25...50).contains(first))
            #expect(blocks == 2)
            #expect(pending.flatMap { $0 }.map(\.seq) == Array(UInt64(first + 51)...120))
            try await store.close()
        }
    }
}
