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
    /// How the conformance checks get stores of one kind.
    struct StoreMaker: Sendable, CustomTestStringConvertible {
        let name: String
        /// Whether data survives `close()` and a crash, so that reopen checks apply.
        let durable: Bool
        /// Opens the store kept in `directory`; opening again reopens the same data (durable stores).
        let open: @Sendable (_ directory: String) async throws -> any HistoryStore
        /// Drops a store without closing it, as a crash would (durable stores).
        let crash: @Sendable (any HistoryStore) async throws -> Void

        var testDescription: String { name }

        static let memory = StoreMaker(
            name: "memory", durable: false, open: { _ in MemoryHistoryStore() }, crash: { _ in })

        /// Small blocks so that a few hundred batches already mix sealed blocks with open ones.
        static let sqlite = StoreMaker(
            name: "sqlite", durable: true,
            open: { directory in
                try await SQLiteHistoryStore.open(
                    path: directory + "/history.sqlite", options: .init(blockBatches: 50),
                    logger: Logger(label: "test.history"))
            },
            crash: { store in try await (store as! SQLiteHistoryStore).abandon() })

        /// Each directory gets its own database on the shared test server, named in a file inside it, so that
        /// opening the same directory again reopens the same database.
        static let postgres = StoreMaker(
            name: "postgres", durable: true,
            open: { directory in
                let server = try await PostgresServer.shared()
                let marker = directory + "/postgres-database"
                let name: String
                if let existing = try? String(contentsOfFile: marker, encoding: .utf8) {
                    name = existing
                } else {
                    name = PostgresServer.uniqueName("conformance")
                    try await server.createDatabase(name)
                    try name.write(toFile: marker, atomically: true, encoding: .utf8)
                }
                return try await PostgresHistoryStore.open(
                    url: server.url(database: name), logger: Logger(label: "test.history"))
            },
            crash: { store in await (store as! PostgresHistoryStore).abandon() })

        static let all = [memory, sqlite, postgres]
    }
}

extension StorageTests {
    /// A fresh directory for one test's files, removed afterwards.
    struct TemporaryDirectory: Sendable {
        let path: String

        init() throws {
            path =
                FileManager.default.temporaryDirectory.appendingPathComponent("sms-history-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }

        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }
}

/// The shared store conformance suite: every `HistoryStore` must pass every check.
extension StorageTests {
    @Suite("history store conformance")
    struct HistoryStoreConformanceTests {
        @Test("conformance", arguments: StoreMaker.all, HistoryStoreConformance.checks.map(\.name))
        func conformance(maker: StoreMaker, check: String) async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let body = HistoryStoreConformance.checks.first { $0.name == check }!.body
            try await body(maker, directory.path)
        }
    }
}
