import SMSCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A Redis client on SwiftNIO: pipelined commands on one connection that reconnects by itself, fire-and-forget
/// writes that survive an outage in a bounded buffer, and pub/sub on a second connection.
///
/// It is a `Service`: nothing connects until `run()` is called (in the process's `ServiceGroup`), and when
/// `run()` returns (graceful shutdown or cancellation) the connections are closed for good. Commands sent before
/// `run()` wait for the connection like commands sent during an outage.
public final class RedisClient: Service, Sendable {
    public let configuration: RedisConfiguration
    private let eventLoop: any EventLoop
    private let commands: RedisCommandConnection
    private let subscriber: RedisSubscriberConnection
    private let counters = RedisCounters()
    private let lifecycle = Mutex(Lifecycle.idle)
    private let nextSubscriptionID = Atomic<UInt64>(0)
    private let logger: Logger

    private enum Lifecycle { case idle, running, stopped }

    /// - Parameter eventLoopGroup: one of its loops carries both connections; the default is NIO's shared group.
    public init(
        configuration: RedisConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) throws(RedisError) {
        self.configuration = configuration
        self.logger = logger
        let connector = try RedisConnector(configuration: configuration)
        eventLoop = eventLoopGroup.next()
        commands = RedisCommandConnection(
            connector: connector, eventLoop: eventLoop, counters: counters, logger: logger)
        subscriber = RedisSubscriberConnection(connector: connector, eventLoop: eventLoop, logger: logger)
    }

    /// A client for a `redis://` or `rediss://` URL.
    public convenience init(
        url: String, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) throws(RedisError) {
        try self.init(configuration: RedisConfiguration(url: url), eventLoopGroup: eventLoopGroup, logger: logger)
    }

    // MARK: - Lifecycle

    /// Connects and keeps reconnecting until graceful shutdown or cancellation, then closes the connections
    /// (after Redis has answered what was already written, at most a second). A client runs once.
    public func run() async throws {
        try lifecycle.withLock { state throws(RedisError) in
            guard case .idle = state else {
                throw RedisError(.configuration, "RedisClient.run() was called twice; a client runs once")
            }
            state = .running
        }
        eventLoop.execute { [commands, subscriber] in
            commands.start()
            subscriber.start()
        }
        try? await gracefulShutdown()
        lifecycle.withLock { $0 = .stopped }
        try? await eventLoop.flatSubmit { [commands, subscriber] in
            commands.shutdown().and(subscriber.shutdown()).map { _ in }
        }.get()
    }

    // MARK: - Commands

    /// Sends one command and returns its reply; an error reply is thrown as a ``RedisError`` (code `.server`).
    public func send(_ command: [String]) async throws -> RESPValue {
        try await send(command.map { RESPArg($0) })
    }

    public func send(_ command: [RESPArg]) async throws -> RESPValue {
        try await pipeline([command])[0]
    }

    /// Sends all commands in one write and returns their replies in order. Any error reply is thrown, naming
    /// the command's position; the other commands have still run.
    public func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        try await pipeline(commands.map { $0.map { RESPArg($0) } })
    }

    public func pipeline(_ commands: [[RESPArg]]) async throws -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        let promise = eventLoop.makePromise(of: [RESPValue].self)
        let request = RedisRequest(bytes: .respCommands(commands), replyCount: commands.count, promise: promise)
        let name = commands.count == 1 ? commands[0].first?.shown ?? "" : "a pipeline of \(commands.count) commands"
        let deadline = NIODeadline.now() + configuration.replyTimeout.timeAmount
        eventLoop.execute { [self] in self.commands.submit(request, name: name, deadline: deadline) }
        let replies = try await promise.futureResult.get()
        for (index, reply) in replies.enumerated() {
            guard case .error(let message) = reply else { continue }
            let position =
                commands.count == 1
                ? "" : "command \(index + 1) of \(commands.count) (\(commands[index].first?.shown ?? "")): "
            throw RedisError(.server, position + message)
        }
        return replies
    }

    /// Fire-and-forget: writes the commands in one go on the live connection, or holds them (bounded, oldest
    /// dropped first) until Redis is back. Never blocks, never throws; error replies are logged and counted.
    public func enqueue(_ commands: [[RESPArg]]) {
        guard !commands.isEmpty else { return }
        let bytes = ByteBuffer.respCommands(commands)
        let count = commands.count
        eventLoop.execute { [self] in self.commands.enqueue(bytes, count: count) }
    }

    public func enqueue(_ command: [RESPArg]) { enqueue([command]) }

    // MARK: - Pub/sub

    /// Publishes and returns how many subscribers received the message.
    @discardableResult
    public func publish(channel: String, payload: ByteBuffer) async throws -> Int {
        Int(try await send(["PUBLISH", RESPArg(channel), RESPArg(payload)]).int ?? 0)
    }

    /// Publishes fire-and-forget, like ``enqueue(_:)-swift.method``.
    public func enqueuePublish(channel: String, payload: ByteBuffer) {
        enqueue(["PUBLISH", RESPArg(channel), RESPArg(payload)])
    }

    /// Messages published on `channels` from the moment Redis confirms the subscription, across reconnects
    /// (messages published while disconnected are lost: pub/sub does not store them). A slow reader loses the
    /// oldest messages beyond `bufferSize`. Ends when the client shuts down.
    public func subscribe(_ channels: [String], bufferSize: Int = 4096) -> AsyncStream<RedisMessage> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: RedisMessage.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let id = addSubscription(channels, onMessage: { continuation.yield($0) }, onFinish: { continuation.finish() })
        continuation.onTermination = { [weak self] _ in self?.removeSubscription(id) }
        return stream
    }

    /// Calls `onMessage` on the client's event loop for each message on `channels` until removed; `onFinish`
    /// when the client shuts down.
    func addSubscription(
        _ channels: [String], onMessage: @escaping @Sendable (RedisMessage) -> Void,
        onFinish: @escaping @Sendable () -> Void
    ) -> UInt64 {
        let id = nextSubscriptionID.add(1, ordering: .relaxed).newValue
        let subscription = RedisSubscriberConnection.Subscription(
            channels: Set(channels), onMessage: onMessage, onFinish: onFinish)
        eventLoop.execute { [subscriber] in subscriber.add(id, subscription) }
        return id
    }

    func removeSubscription(_ id: UInt64) {
        eventLoop.execute { [subscriber] in subscriber.remove(id) }
    }

    // MARK: - Counters

    /// Fire-and-forget commands dropped because the buffer was full while Redis was unreachable (or still held
    /// at shutdown).
    public var droppedCommands: Int { counters.dropped.load(ordering: .relaxed) }

    /// Fire-and-forget commands Redis answered with an error.
    public var failedCommands: Int { counters.failed.load(ordering: .relaxed) }

    /// True while the command connection is up.
    /// True from the moment `run()` starts until it returns.
    public var isRunning: Bool { lifecycle.withLock { if case .running = $0 { true } else { false } } }

    public var isConnected: Bool { counters.connected.load(ordering: .relaxed) }
}
