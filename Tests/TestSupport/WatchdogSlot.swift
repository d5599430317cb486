import Foundation

/// The watchdog of a test server (Redis, a Python peer) while it runs: started at most once at a time, and stopped
/// once, keeping the server's directory (`stop`) or removing it (the server is released).
final class WatchdogSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var watchdog: Watchdog?

    var isRunning: Bool { lock.withLock { watchdog != nil } }

    /// Spawns the script `make` writes in `directory`, unless a watchdog runs already.
    func start(in directory: String, _ make: () throws -> String) throws {
        try lock.withLock {
            guard watchdog == nil else { return }
            watchdog = try Watchdog.spawn(try make(), in: directory)
        }
    }

    /// Stops the running watchdog, telling its script `stop` when the data is kept; with none running, removes
    /// `directory` unless the data is kept.
    func shutDown(keepData: Bool, directory: String) {
        let running = lock.withLock {
            defer { watchdog = nil }
            return watchdog
        }
        guard let running else {
            if !keepData { try? FileManager.default.removeItem(atPath: directory) }
            return
        }
        running.finish(command: keepData ? "stop" : nil)
    }
}
