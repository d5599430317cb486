import SMSCore
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// How a gateway in another process sees the alerts process's alerts: the alerts process writes its active
/// alerts and recent history to one Redis key every second (with an expiry, so a dead alerts process shows no
/// stale alerts), and gateways read it.
enum SharedAlertStatus {
    static func key(namespace: String) -> String { "sms:\(namespace):alerts" }

    struct Document: Codable, Sendable {
        var active: [AlertStatusDTO]
        var history: [AlertStatusDTO]
        var channels: [NotificationChannelStatus]?
    }
}

/// Runs in the alerts process: publishes `AlertsService`'s view to Redis every `every`.
public struct AlertStatusPublisher: Service {
    let alerts: AlertsService
    let redis: RedisClient
    let key: String
    let every: Duration
    /// Recent periods kept for `/api/alerts/history`.
    let historyLimit: Int

    public init(alerts: AlertsService, redis: RedisClient, namespace: String, every: Duration = .seconds(1),
                historyLimit: Int = 500) {
        self.alerts = alerts
        self.redis = redis
        key = SharedAlertStatus.key(namespace: namespace)
        self.every = every
        self.historyLimit = historyLimit
    }

    public func run() async throws {
        let ttlMs = max(5_000, Int(every.components.seconds) * 5_000)
        let encoder = JSONEncoder()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let document = SharedAlertStatus.Document(
                active: await alerts.active(), history: await alerts.history(limit: historyLimit),
                channels: await alerts.channels())
            if let json = try? encoder.encode(document) {
                redis.enqueue(["SET", RESPArg(key), RESPArg(ByteBuffer(bytes: json)), "PX", RESPArg(ttlMs)])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
        }
    }
}

/// Read in a gateway: the alerts process's latest publication (empty when there is none, or Redis is away).
public struct RedisAlertStatusSource: AlertStatusSource {
    let redis: RedisClient
    let key: String

    public init(redis: RedisClient, namespace: String) {
        self.redis = redis
        key = SharedAlertStatus.key(namespace: namespace)
    }

    func document() async -> SharedAlertStatus.Document? {
        guard let bytes = try? await redis.send(["GET", key]).bytes else { return nil }
        return try? JSONDecoder().decode(SharedAlertStatus.Document.self, from: Data(bytes.readableBytesView))
    }

    public func active() async -> [AlertStatusDTO] { await document()?.active ?? [] }

    public func history(limit: Int) async -> [AlertStatusDTO] { Array((await document()?.history ?? []).prefix(limit)) }

    public func channels() async -> [NotificationChannelStatus] { await document()?.channels ?? [] }
}
