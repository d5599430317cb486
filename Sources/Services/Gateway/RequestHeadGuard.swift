import SMSCore
import NIOCore
import NIOHTTP1

/// How a client must send a request head, on the dashboard port and the edge: enforced below every route.
public struct RequestLimits: Sendable {
    /// One header line; all header lines of a request; their number. Over them: 431 and the connection closed.
    public var maxHeaderFieldBytes = 16 * 1024
    public var maxHeaderBytes = 32 * 1024
    public var maxHeaderCount = 100
    /// A connection's first request head, and any head once its first bytes came, must be whole within this:
    /// otherwise 408 and the connection closed (a client trickling a header holds no socket for long).
    public var headTimeout: TimeAmount = .seconds(20)
    /// A connection with no request in flight is closed after this.
    public var idleTimeout: TimeAmount = .seconds(75)
    public init() {}
}

/// Sits right after the HTTP/1 decoder: answers a head that breaks the decoder's limits (or is not HTTP) with
/// 431 or 400 and closes, and closes a connection whose request head does not arrive in time with 408. Without
/// it such a connection was never answered nor closed (the idle timeout starts only after a first head).
/// After a WebSocket upgrade request it steps aside.
final class RequestHeadGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Why a connection was refused: `header_too_large`, `header_timeout`, `bad_request`.
    typealias Refused = @Sendable (String) -> Void
    /// Decides a WebSocket upgrade request before the upgrader sees it: a status and message refuse it with a JSON
    /// body (the upgrader itself could only answer an empty 400); nil lets it through.
    typealias UpgradeCheck = @Sendable (HTTPRequestHead) -> (status: HTTPResponseStatus, reason: String, message: String)?

    private let timeout: TimeAmount
    private let maxHeaderBytes: Int
    private let refused: Refused
    private let upgradeCheck: UpgradeCheck?
    private var awaitingHead = true
    private var readEndedRequest = false
    private var steppedAside = false
    private var answered = false
    private var deadline: Scheduled<Void>?

    init(limits: RequestLimits, refused: @escaping Refused, upgradeCheck: UpgradeCheck? = nil) {
        timeout = limits.headTimeout
        maxHeaderBytes = limits.maxHeaderBytes
        self.refused = refused
        self.upgradeCheck = upgradeCheck
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if answered { return }
        if !steppedAside {
            switch unwrapInboundIn(data) {
            case .head(let head):
                awaitingHead = false
                readEndedRequest = false
                disarm()
                if head.headers[canonicalForm: "upgrade"].contains(where: { $0.lowercased() == "websocket" }) {
                    if let refusal = upgradeCheck?(head) {
                        refuse(context, refusal.status, refusal.reason, refusal.message)
                        return
                    }
                    steppedAside = true
                }
            case .body:
                readEndedRequest = false
            case .end:
                awaitingHead = true
                readEndedRequest = true
            }
        }
        context.fireChannelRead(data)
    }

    /// Bytes came that made no whole head yet: the head's clock starts (a read that ended a request leaves
    /// the connection idle instead, for the idle timeout).
    func channelReadComplete(context: ChannelHandlerContext) {
        if !steppedAside, awaitingHead, !readEndedRequest, deadline == nil { arm(context) }
        readEndedRequest = false
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !steppedAside, let parse = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if parse == .headerOverflow {
            refuse(context, .requestHeaderFieldsTooLarge, "header_too_large",
                   "request line or headers too large (at most \(maxHeaderBytes / 1024) KiB)")
        } else {
            refuse(context, .badRequest, "bad_request", "malformed HTTP request (\(parse))")
        }
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil, !steppedAside else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.deadline = nil
            guard handler.awaitingHead, !handler.steppedAside else { return }
            handler.refuse(context, .requestTimeout, "header_timeout",
                           "no complete request head within \(handler.timeout.nanoseconds / 1_000_000_000) s")
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }

    /// One small JSON answer, then the connection is closed.
    private func refuse(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ reason: String, _ message: String) {
        guard !answered else { return }
        answered = true
        disarm()
        refused(reason)
        let body = context.channel.allocator.buffer(string: "{\"error\":\"\(message)\"}")
        let headers = HTTPHeaders([
            ("content-type", "application/json; charset=utf-8"), ("content-length", "\(body.readableBytes)"),
            ("connection", "close"),
        ])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
