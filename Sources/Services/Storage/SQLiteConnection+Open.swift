import SMSCore
import Logging
import NIOPosix
import SQLiteNIO

extension SQLiteConnection {
    /// Opens (creating if needed) the SQLite file at `path` on the shared thread pool and event loops; a failure
    /// becomes the caller's own error, built from the reason.
    static func openFile(
        _ path: String, logger: Logger, orThrow makeError: (String) -> any Error
    ) async throws -> SQLiteConnection {
        do {
            return try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: .singleton, logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            throw makeError("\(error)")
        }
    }
}
