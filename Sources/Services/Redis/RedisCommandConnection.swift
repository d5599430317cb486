import SMSCore
import Logging
import NIOCore

/// The client's command connection: awaited requests and fire-and-forget commands in the order they were
/// submitted; while disconnected, fire-and-forget commands wait in a buffer bounded by bytes (oldest dropped
/// first) and awaited ones wait for the reconnect until their deadline.
///
/// Confined to `eventLoop` (see ``RedisReconnector``).
final class RedisCommandConnection: @unchecked Sendable {
    private struct Waiter {
        let id: UInt64
        let request: RedisRequest
        let name: String
        let deadline: NIODeadline
        let timer: Scheduled<Void>
    }

    let eventLoop: any EventLoop
    private let endpoint: String
    private let counters: RedisCounters
    private let logger: Logger
    private let maxBufferedBytes: Int
    private let replyTimeout: Duration
    private var reconnector: RedisReconnector!
    private var channel: (any Channel)?
    private var buffered = CircularBuffer<(bytes: ByteBuffer, count: Int)>()
    private var bufferedBytes = 0
    private var waiters: [Waiter] = []
    private var nextWaiterID: UInt64 = 0
    private var started = false
    private var shutDown = false
    private var lastError: RedisError?
    private var failedAttempts = 0
    private var errorReplyLog = LogRateLimit()
    private var dropLog = LogRateLimit()

    init(connector: RedisConnector, eventLoop: any EventLoop, counters: RedisCounters, logger: Logger) {
        self.eventLoop = eventLoop
        self.endpoint = connector.endpoint
        self.counters = counters
        self.logger = logger
        self.maxBufferedBytes = connector.configuration.maxBufferedBytes
        self.replyTimeout = connector.configuration.replyTimeout
        reconnector = RedisReconnector(
            eventLoop: eventLoop, endpoint: endpoint,
            connect: { [unowned self] in
                // Replies are read on `eventLoop` (the connection's loop), so this runs confined too.
                connector.connect(on: eventLoop) { [weak self] reply in self?.discardedErrorReply(reply) }
            },
            onUp: { [unowned self] in up($0) },
            onDown: { [unowned self] in down($0) })
    }

    func start() {
        eventLoop.preconditionInEventLoop()
        guard !shutDown else { return }
        started = true
        reconnector.start()
    }

    /// Writes fire-and-forget commands now, or buffers them while disconnected.
    func enqueue(_ bytes: ByteBuffer, count: Int) {
        eventLoop.preconditionInEventLoop()
        if shutDown {
            drop(count, reason: "the client is shut down")
        } else if let channel {
            channel.writeAndFlush(RedisRequest(bytes: bytes, replyCount: count, promise: nil), promise: nil)
        } else {
            buffered.append((bytes, count))
            bufferedBytes += bytes.readableBytes
            var dropped = 0
            while bufferedBytes > maxBufferedBytes, let oldest = buffered.popFirst() {
                bufferedBytes -= oldest.bytes.readableBytes
                dropped += oldest.count
            }
            if dropped > 0 { drop(dropped, reason: "the buffer for commands held while disconnected is full") }
        }
    }

    /// Writes `request` now, or once connected; fails it at `deadline` (closing the connection if it was written,
    /// since the reply order is then unknown).
    func submit(_ request: RedisRequest, name: String, deadline: NIODeadline) {
        eventLoop.preconditionInEventLoop()
        if shutDown {
            request.promise?.fail(RedisError.shutDown(endpoint))
        } else if let channel {
            write(request, name: name, deadline: deadline, on: channel)
        } else {
            let id = nextWaiterID
            nextWaiterID += 1
            let timer = eventLoop.scheduleTask(deadline: deadline) { [self] in
                guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
                waiters.remove(at: index)
                request.promise?.fail(notConnectedError())
            }
            waiters.append(Waiter(id: id, request: request, name: name, deadline: deadline, timer: timer))
        }
    }

    /// Stops reconnecting, fails waiting requests, and closes the connection once what was written is answered
    /// (at most one second).
    func shutdown() -> EventLoopFuture<Void> {
        eventLoop.preconditionInEventLoop()
        guard !shutDown else { return eventLoop.makeSucceededVoidFuture() }
        shutDown = true
        for waiter in waiters {
            waiter.timer.cancel()
            waiter.request.promise?.fail(RedisError.shutDown(endpoint))
        }
        waiters = []
        let unsent = buffered.reduce(0) { $0 + $1.count }
        buffered.removeAll()
        bufferedBytes = 0
        if unsent > 0 { drop(unsent, reason: "the client shut down before Redis came back") }
        guard let channel else { return reconnector.stop() }
        let drained = eventLoop.makePromise(of: [RESPValue].self)
        channel.writeAndFlush(
            RedisRequest(bytes: .respCommands([["PING"]]), replyCount: 1, promise: drained), promise: nil)
        let timer = eventLoop.scheduleTask(in: .seconds(1)) {
            drained.fail(RedisError.noReply(self.endpoint, command: "PING", after: .seconds(1)))
        }
        return drained.futureResult.map { _ in }.recover { _ in }.flatMap { [self] in
            timer.cancel()
            return reconnector.stop()
        }
    }

    private func write(_ request: RedisRequest, name: String, deadline: NIODeadline, on channel: any Channel) {
        let endpoint = endpoint
        let timeout = replyTimeout
        if let promise = request.promise {
            let timer = eventLoop.scheduleTask(deadline: deadline) {
                promise.fail(RedisError.noReply(endpoint, command: name, after: timeout))
                channel.close(promise: nil)
            }
            promise.futureResult.whenComplete { _ in timer.cancel() }
        }
        channel.writeAndFlush(request, promise: nil)
    }

    private func up(_ channel: any Channel) {
        self.channel = channel
        counters.connected.store(true, ordering: .relaxed)
        if failedAttempts > 0 || lastError != nil {
            logger.info(
                "reconnected to redis", metadata: ["redis": "\(endpoint)", "buffered_commands": "\(buffered.count)"])
        } else {
            logger.debug("connected to redis", metadata: ["redis": "\(endpoint)"])
        }
        failedAttempts = 0
        lastError = nil
        while let next = buffered.popFirst() {
            channel.write(RedisRequest(bytes: next.bytes, replyCount: next.count, promise: nil), promise: nil)
        }
        bufferedBytes = 0
        let ready = waiters
        waiters = []
        for waiter in ready {
            waiter.timer.cancel()
            write(waiter.request, name: waiter.name, deadline: waiter.deadline, on: channel)
        }
        channel.flush()
    }

    private func down(_ error: RedisError) {
        let wasUp = channel != nil
        channel = nil
        counters.connected.store(false, ordering: .relaxed)
        lastError = error
        failedAttempts += wasUp ? 0 : 1
        if wasUp || failedAttempts == 1 {
            logger.warning("redis unreachable; retrying", metadata: ["redis": "\(endpoint)", "error": "\(error)"])
        }
        // Wrong credentials or database: waiting will not help, so say so now.
        if error.code == .authentication || error.code == .configuration {
            let ready = waiters
            waiters = []
            for waiter in ready {
                waiter.timer.cancel()
                waiter.request.promise?.fail(error)
            }
        }
    }

    private func discardedErrorReply(_ reply: String) {
        counters.failed.add(1, ordering: .relaxed)
        guard let held = errorReplyLog.admit() else { return }
        logger.error(
            "redis refused a write",
            metadata: ["redis": "\(endpoint)", "reply": "\(reply)", "since_last_log": "\(held)"])
    }

    private func drop(_ count: Int, reason: String) {
        counters.dropped.add(count, ordering: .relaxed)
        guard let held = dropLog.admit() else { return }
        logger.warning(
            "redis commands dropped",
            metadata: ["redis": "\(endpoint)", "reason": "\(reason)", "count": "\(count)", "since_last_log": "\(held)"])
    }

    private func notConnectedError() -> RedisError {
        guard started else {
            return RedisError(
                .timeout,
                "no connection to \(endpoint) within \(replyTimeout.shown): the client is not running (run it in the ServiceGroup)"
            )
        }
        let cause = lastError.map { " (last error: \($0))" } ?? ""
        return RedisError(.timeout, "no connection to \(endpoint) within \(replyTimeout.shown)\(cause)")
    }
}
