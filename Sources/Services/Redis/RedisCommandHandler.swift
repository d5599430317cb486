import SMSCore
import NIOCore

/// Commands to write on one connection and what to do with their replies.
struct RedisRequest: Sendable {
    /// One or more RESP-encoded commands.
    var bytes: ByteBuffer
    var replyCount: Int
    /// Completed with all `replyCount` replies in order; nil for fire-and-forget (replies are discarded).
    var promise: EventLoopPromise<[RESPValue]>?
}

/// Matches replies to requests in order (Redis answers in the order it received commands), so any number of
/// requests can be in flight on one connection. On a subscriber connection, `message` pushes go to `onPush`.
///
/// A server that stops answering while commands are outstanding (stalled, paused, a dead peer TCP has not noticed)
/// is detected after `stallTimeout` without a reply and the connection closed, so fire-and-forget writes fall
/// back to the client's bounded buffer instead of piling up in the socket's unbounded outbound queue.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var remaining: Int
        var replies: [RESPValue]
        let promise: EventLoopPromise<[RESPValue]>?
    }

    private var pending = CircularBuffer<Pending>()
    private var failure: RedisError?
    private let endpoint: String
    private let timeout: Duration
    private let stallTimeout: Duration
    private var lastProgress = NIODeadline.now()
    private var stallCheck: RepeatedTask?
    private let onDiscardedError: @Sendable (String) -> Void
    private let onPush: (@Sendable (RedisMessage) -> Void)?

    init(
        endpoint: String, timeout: Duration, stallTimeout: Duration,
        onDiscardedError: @escaping @Sendable (String) -> Void, onPush: (@Sendable (RedisMessage) -> Void)? = nil
    ) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.stallTimeout = stallTimeout
        self.onDiscardedError = onDiscardedError
        self.onPush = onPush
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let interval = TimeAmount.milliseconds(max(50, stallTimeout.timeAmount.nanoseconds / 4_000_000))
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        stallCheck = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let (handler, context) = loopBound.value
            handler.checkForStall(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stallCheck?.cancel()
        stallCheck = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.promise?.fail(failure)
            promise?.fail(failure)
            return
        }
        if pending.isEmpty { lastProgress = .now() }
        if request.promise == nil, let last = pending.indices.last, pending[last].promise == nil {
            pending[last].remaining += request.replyCount  // one entry for a run of fire-and-forget commands
        } else {
            var replies: [RESPValue] = []
            if request.promise != nil { replies.reserveCapacity(request.replyCount) }
            pending.append(Pending(remaining: request.replyCount, replies: replies, promise: request.promise))
        }
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        lastProgress = .now()
        if let onPush, case .array(let items?) = value, items.count == 3, items[0].string == "message",
            let channel = items[1].string, let payload = items[2].bytes
        {
            onPush(RedisMessage(channel: channel, payload: payload))
            return
        }
        guard !pending.isEmpty else {
            let error = RESPProtocolError("a reply arrived that no command asked for")
            errorCaught(context: context, error: error)
            return
        }
        pending[pending.startIndex].remaining -= 1
        if let promise = pending[pending.startIndex].promise {
            pending[pending.startIndex].replies.append(value)
            if pending[pending.startIndex].remaining == 0 { promise.succeed(pending.removeFirst().replies) }
        } else {
            if case .error(let message) = value { onDiscardedError(message) }
            if pending[pending.startIndex].remaining == 0 { pending.removeFirst() }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        stallCheck?.cancel()
        stallCheck = nil
        failAll(failure ?? .lost(endpoint))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if failure == nil { failure = .connection(error, endpoint: endpoint, timeout: timeout) }
        failAll(failure!)
        context.close(promise: nil)
    }

    private func checkForStall(context: ChannelHandlerContext) {
        guard failure == nil, !pending.isEmpty, NIODeadline.now() - lastProgress > stallTimeout.timeAmount else {
            return
        }
        let outstanding = pending.reduce(0) { $0 + $1.remaining }
        let message =
            "\(endpoint) stopped answering: no reply within \(stallTimeout.shown) with \(outstanding) commands outstanding; reconnecting"
        errorCaught(context: context, error: RedisError(.timeout, message))
    }

    private func failAll(_ error: RedisError) {
        failure = failure ?? error
        while let next = pending.popFirst() { next.promise?.fail(error) }
    }
}
