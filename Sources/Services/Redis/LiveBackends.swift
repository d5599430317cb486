import SMSCore
import Logging
import ServiceLifecycle
import Spec

/// The current-state store and event bus for a `hub.state` setting, plus the services they need running.
public struct LiveBackends: Sendable {
    public var state: any StateStore
    public var bus: any EventBus
    /// Run these in the process's ServiceGroup, *before* the services that use `state` and `bus` (a group shuts
    /// down in reverse order, so the Redis client then outlives their last writes).
    public var services: [any Service]
    /// The Redis client behind `state` and `bus`, for its counters; nil when embedded.
    public var redis: RedisClient?

    public init(state: any StateStore, bus: any EventBus, services: [any Service] = [], redis: RedisClient? = nil) {
        self.state = state
        self.bus = bus
        self.services = services
        self.redis = redis
    }

    /// `.embedded`: in memory, in process, nothing to run. `.redis(url)`: one Redis client (command and pub/sub
    /// connections) shared by a ``RedisStateStore`` and a ``RedisEventBus`` under `sms:<namespace>:`.
    ///
    /// Throws only for a URL or CA file that cannot work; an unreachable Redis is retried, not an error.
    public static func make(_ backend: StateBackend, namespace: String, logger: Logger) throws(RedisError)
        -> LiveBackends
    {
        switch backend {
        case .embedded:
            return LiveBackends(state: MemoryStateStore(), bus: LocalEventBus())
        case .redis(let url):
            let client = try RedisClient(url: url, logger: logger)
            return LiveBackends(
                state: RedisStateStore(client: client, namespace: namespace),
                bus: RedisEventBus(client: client, namespace: namespace, logger: logger), services: [client],
                redis: client)
        }
    }
}
