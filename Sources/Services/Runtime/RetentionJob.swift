import SMSCore
import Foundation
import Logging
import ServiceLifecycle

/// Applies the spec's retention to history now and then; a failure is logged and retried next round.
public struct RetentionJob: Service {
    let history: any HistoryStore
    let spec: any SpecProvider
    let every: Duration
    let logger: Logger

    public init(history: any HistoryStore, spec: any SpecProvider, every: Duration = .seconds(600), logger: Logger) {
        self.history = history
        self.spec = spec
        self.every = every
        self.logger = logger
    }

    private var isShuttingDown: Bool { Task.isShuttingDownGracefully }

    public func run() async throws {
        while !Task.isCancelled && !isShuttingDown {
            do {
                try await history.enforceRetention(spec.current().spec.retention, nowMs: Int64(Date().timeIntervalSince1970 * 1000))
            } catch {
                logger.warning("retention pass failed; retrying later", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
        }
    }
}
