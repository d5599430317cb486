import SMSCore
import Foundation
import Logging
import Spec

/// Builds the history store the spec's `hub.history` names.
public enum HistoryStoreFactory {
    /// File name of the embedded database inside the data directory.
    public static let embeddedFileName = "history.sqlite"

    /// Opens the store for `backend`, creating `dataDir` for the embedded one if needed.
    public static func make(_ backend: HistoryBackend, dataDir: String, logger: Logger) async throws
        -> any HistoryStore
    {
        switch backend {
        case .embedded:
            do {
                try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
            } catch {
                throw HistoryStoreError("cannot create data directory \(dataDir) (\(error.localizedDescription))")
            }
            let path = URL(fileURLWithPath: dataDir).appendingPathComponent(embeddedFileName).path
            return try await SQLiteHistoryStore.open(path: path, logger: logger)
        case .postgres(let url):
            return try await PostgresHistoryStore.open(url: url, logger: logger)
        }
    }

    /// The URL without its password, for messages.
    static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "***"
        return parts.string ?? "postgres://…"
    }
}
