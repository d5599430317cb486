import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// How a probe trusts a hub that speaks HTTPS.
public struct ProbeTLS: Sendable, Equatable {
    /// The CA certificate (PEM) to trust; nil trusts the system's roots (a certificate from a public CA).
    public var caFile: String?
    /// The name the certificate must carry; nil checks the address dialled (an IP address SAN).
    public var serverName: String?

    public init(caFile: String?, serverName: String? = nil) {
        self.caFile = caFile
        self.serverName = serverName
    }
}

extension HTTPProbe {
    /// One request over TLS, the certificate verified as `tls` says; the raw response, or nil when the
    /// connection, the handshake or the verification fails, or nothing complete comes within `timeout`.
    static func exchangeTLS(host: String, port: Int, request: [UInt8], tls: ProbeTLS, timeout: Double) -> Data? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let ca = tls.caFile { configuration.trustRoots = .file(ca) }
        guard let context = try? NIOSSLContext(configuration: configuration) else { return nil }
        let collector = ResponseCollector(limit: 16 << 20)
        let budget = TimeAmount.milliseconds(Int64(max(timeout, 0.05) * 1000))
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(budget)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try NIOSSLClientHandler(context: context, serverHostname: tls.serverName)
                    try channel.pipeline.syncOperations.addHandlers(handler, collector)
                }
            }
        guard let channel = try? bootstrap.connect(host: host, port: port).wait() else { return nil }
        let deadline = channel.eventLoop.scheduleTask(in: budget) { channel.close(promise: nil) }
        channel.writeAndFlush(channel.allocator.buffer(bytes: request), promise: nil)
        try? channel.closeFuture.wait()
        deadline.cancel()
        return collector.failed ? nil : collector.data
    }
}

/// Gathers what the server sends until it closes; a failed handshake or verification marks the exchange failed.
private final class ResponseCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let state = Mutex<(data: Data, failed: Bool)>((Data(), false))
    let limit: Int

    init(limit: Int) { self.limit = limit }

    var data: Data { state.withLock { $0.data } }
    var failed: Bool { state.withLock { $0.failed } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let full = state.withLock { s -> Bool in
            s.data.append(contentsOf: buffer.readableBytesView)
            return s.data.count > limit
        }
        if full { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A server that closes without TLS's close_notify after a whole answer is common; anything before the
        // first byte (handshake, verification) is a failure.
        if case NIOSSLError.uncleanShutdown = error {} else {
            state.withLock { if $0.data.isEmpty { $0.failed = true } }
        }
        context.close(promise: nil)
    }
}
