import SMSCore
import Logging
import NIOCore

/// The client's pub/sub connection (RESP2 subscribe mode, so it carries nothing else): opened on the first
/// subscription, re-subscribes every channel after each reconnect, and hands messages to the subscriptions
/// that asked for their channel.
///
/// Confined to `eventLoop` (see ``RedisReconnector``).
final class RedisSubscriberConnection: @unchecked Sendable {
    struct Subscription {
        let channels: Set<String>
        let onMessage: @Sendable (RedisMessage) -> Void
        let onFinish: @Sendable () -> Void
    }

    let eventLoop: any EventLoop
    private let endpoint: String
    private let logger: Logger
    private var reconnector: RedisReconnector!
    private var subscriptions: [UInt64: Subscription] = [:]
    private var channel: (any Channel)?
    private var running = false
    private var shutDown = false
    private var failedAttempts = 0

    init(connector: RedisConnector, eventLoop: any EventLoop, logger: Logger) {
        self.eventLoop = eventLoop
        self.endpoint = connector.endpoint
        self.logger = logger
        reconnector = RedisReconnector(
            eventLoop: eventLoop, endpoint: endpoint,
            connect: { [unowned self] in
                // Pushes are read on `eventLoop` (the connection's loop), so delivery runs confined too.
                connector.connect(on: eventLoop, onDiscardedError: { [weak self] in self?.refused($0) }) {
                    [weak self] message in self?.deliver(message)
                }
            },
            onUp: { [unowned self] in up($0) },
            onDown: { [unowned self] in down($0) })
    }

    /// Every channel some subscription wants.
    private var wanted: Set<String> { subscriptions.values.reduce(into: []) { $0.formUnion($1.channels) } }

    func start() {
        eventLoop.preconditionInEventLoop()
        guard !shutDown else { return }
        running = true
        if !subscriptions.isEmpty { reconnector.start() }
    }

    func add(_ id: UInt64, _ subscription: Subscription) {
        eventLoop.preconditionInEventLoop()
        guard !shutDown else { return subscription.onFinish() }
        let before = wanted
        subscriptions[id] = subscription
        if let channel {
            send(["SUBSCRIBE"], subscription.channels.subtracting(before), on: channel)
        } else if running {
            reconnector.start()
        }
    }

    func remove(_ id: UInt64) {
        eventLoop.preconditionInEventLoop()
        guard let removed = subscriptions.removeValue(forKey: id) else { return }
        if let channel { send(["UNSUBSCRIBE"], removed.channels.subtracting(wanted), on: channel) }
    }

    /// Stops reconnecting, closes the connection and finishes every subscription.
    func shutdown() -> EventLoopFuture<Void> {
        eventLoop.preconditionInEventLoop()
        shutDown = true
        let finished = subscriptions.values
        subscriptions = [:]
        for subscription in finished { subscription.onFinish() }
        return reconnector.stop()
    }

    private func send(_ command: [RESPArg], _ channels: Set<String>, on channel: any Channel) {
        guard !channels.isEmpty else { return }
        let bytes = ByteBuffer.respCommands([command + channels.sorted().map { RESPArg($0) }])
        // One confirmation per channel, read and discarded like any fire-and-forget reply.
        channel.writeAndFlush(RedisRequest(bytes: bytes, replyCount: channels.count, promise: nil), promise: nil)
    }

    private func deliver(_ message: RedisMessage) {
        for subscription in subscriptions.values where subscription.channels.contains(message.channel) {
            subscription.onMessage(message)
        }
    }

    private func up(_ channel: any Channel) {
        self.channel = channel
        if failedAttempts > 0 { logger.info("redis subscriber reconnected", metadata: ["redis": "\(endpoint)"]) }
        failedAttempts = 0
        send(["SUBSCRIBE"], wanted, on: channel)
    }

    private func down(_ error: RedisError) {
        let wasUp = channel != nil
        channel = nil
        failedAttempts += 1
        if wasUp || failedAttempts == 1 {
            logger.warning(
                "redis subscriber unreachable; retrying", metadata: ["redis": "\(endpoint)", "error": "\(error)"])
        }
    }

    private func refused(_ reply: String) {
        logger.error("redis refused a subscription", metadata: ["redis": "\(endpoint)", "reply": "\(reply)"])
    }
}
