import SMSCore
import Synchronization

/// The embedded event bus: fan-out inside one process, each subscriber with its own bounded buffer.
///
/// A subscriber that falls behind loses its oldest events (`bufferingNewest`) so a slow consumer never
/// slows the aggregator that publishes.
public final class LocalEventBus: EventBus {
    private let subscribers = Mutex<[UInt64: AsyncStream<LiveEvent>.Continuation]>([:])
    private let nextID = Atomic<UInt64>(0)

    public init() {}

    public func publish(_ event: LiveEvent) async {
        let targets = subscribers.withLock { Array($0.values) }
        for continuation in targets { continuation.yield(event) }
    }

    public func subscribe(bufferSize: Int = 1024) -> AsyncStream<LiveEvent> {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<LiveEvent>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    /// Number of live subscribers (for `/metrics`).
    public var subscriberCount: Int { subscribers.withLock { $0.count } }
}
