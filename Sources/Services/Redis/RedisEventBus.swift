import SMSCore
import Logging
import Synchronization

/// The event bus across processes: every aggregator publishes on `sms:<namespace>:events`, every gateway and
/// alerts process subscribes.
///
/// Publishing is fire-and-forget through the client's bounded buffer, so an outage never slows the aggregator.
/// Each process holds one Redis subscription, decodes each message once and fans it out to its local
/// subscribers, each with its own bounded buffer (`bufferingNewest`, like ``LocalEventBus``). Pub/sub keeps
/// nothing: events published while a subscriber is disconnected are lost, as with a slow local subscriber.
public final class RedisEventBus: EventBus {
    public let channel: String
    private let client: RedisClient
    private let logger: Logger
    private let subscribers = Mutex(Subscribers())
    private let nextID = Atomic<UInt64>(0)
    private let undecodable = Atomic<Int>(0)

    private struct Subscribers {
        var continuations: [UInt64: AsyncStream<LiveEvent>.Continuation] = [:]
        var subscribed = false
        var finished = false
    }

    public init(client: RedisClient, namespace: String, logger: Logger) {
        self.client = client
        self.channel = "sms:\(namespace):events"
        self.logger = logger
    }

    public func publish(_ event: LiveEvent) async {
        client.enqueuePublish(channel: channel, payload: event.encoded())
    }

    /// Events published (by any process) once the subscription is confirmed by Redis; ends when the client
    /// shuts down.
    public func subscribe(bufferSize: Int = 1024) -> AsyncStream<LiveEvent> {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<LiveEvent>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.continuations.removeValue(forKey: id) }
        }
        let (subscribeNow, finished) = subscribers.withLock { state in
            state.continuations[id] = continuation
            defer { state.subscribed = true }
            return (!state.subscribed, state.finished)
        }
        if finished { continuation.finish() }
        if subscribeNow {
            _ = client.addSubscription(
                [channel], onMessage: { [weak self] in self?.deliver($0) }, onFinish: { [weak self] in self?.finish() })
        }
        return stream
    }

    /// Messages on the channel that did not decode (another version of sms, or corruption); each is skipped.
    public var undecodableMessages: Int { undecodable.load(ordering: .relaxed) }

    /// Number of live local subscribers (for `/metrics`).
    public var subscriberCount: Int { subscribers.withLock { $0.continuations.count } }

    private func deliver(_ message: RedisMessage) {
        let event: LiveEvent
        do {
            event = try LiveEvent(decoding: message.payload)
        } catch {
            // Counted for /metrics and logged once, not per message: a version mismatch would repeat per event.
            if undecodable.add(1, ordering: .relaxed).newValue == 1 {
                logger.error(
                    "skipping undecodable live events", metadata: ["channel": "\(channel)", "error": "\(error)"])
            }
            return
        }
        let targets = subscribers.withLock { Array($0.continuations.values) }
        for continuation in targets { continuation.yield(event) }
    }

    private func finish() {
        let targets = subscribers.withLock { state in
            state.finished = true
            return Array(state.continuations.values)
        }
        for continuation in targets { continuation.finish() }
    }
}
