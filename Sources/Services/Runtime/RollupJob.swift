import SMSCore
import Logging
import ServiceLifecycle

/// Keeps PostgreSQL's rollups and partitions current: recomputes the buckets appends marked (several
/// aggregators share the work) and creates the coming days' partitions. Queries never depend on it being
/// on time — a rollup-tier query recomputes its pending buckets first — it only keeps that work small.
public struct RollupJob: Service {
    let store: PostgresHistoryStore
    let every: Duration
    let logger: Logger

    public init(store: PostgresHistoryStore, every: Duration = .seconds(30), logger: Logger) {
        self.store = store
        self.every = every
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            do {
                try await store.rollUp()
            } catch {
                logger.warning("rollup pass failed; retrying later", metadata: ["error": "\(error)"])
            }
        }
    }
}

extension PostgresHistoryStore {
    /// Rollups are computed beside the hub, several aggregators sharing the work.
    public nonisolated func backgroundServices(logger: Logger) -> [any Service] { [RollupJob(store: self, logger: logger)] }
}
