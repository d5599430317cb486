import SMSCore
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// The HTTP server channel of the gateway and the edge: optional TLS first (HummingbirdTLS is not a dependency;
/// this is its core), then HTTP/1 with WebSocket upgrades, with the `RequestHeadGuard` right after the decoder.
struct GuardedHTTPChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let tls: NIOSSLContext?
    let limits: RequestLimits
    let refused: RequestHeadGuard.Refused
    var upgradeCheck: RequestHeadGuard.UpgradeCheck? = nil

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            if let tls {
                try channel.pipeline.syncOperations.addHandlers(PlainHTTPRefusal(), NIOSSLServerHandler(context: tls))
            }
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }.flatMapThrowing { value in
            let decoder = try channel.pipeline.syncOperations.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try channel.pipeline.syncOperations.addHandler(
                RequestHeadGuard(limits: limits, refused: refused, upgradeCheck: upgradeCheck), position: .after(decoder.handler))
            return value
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension ServerChildChannel {
    /// Opens the existential so the wrapper knows the concrete channel type.
    func guarded(
        tls: NIOSSLContext?, limits: RequestLimits, refused: @escaping RequestHeadGuard.Refused,
        upgradeCheck: RequestHeadGuard.UpgradeCheck? = nil
    ) -> any ServerChildChannel {
        GuardedHTTPChannel(base: self, tls: tls, limits: limits, refused: refused, upgradeCheck: upgradeCheck)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with WebSocket upgrades (frames up to 64 KiB, pinged every 20 s), the request limits enforced, over
    /// TLS when `tls` is given.
    static func guardedWebSocketUpgrade<WSRouter: HTTPResponderBuilder>(
        webSocketRouter: WSRouter, limits: RequestLimits, tls: NIOSSLContext? = nil,
        refused: @escaping RequestHeadGuard.Refused = { _ in }, upgradeCheck: RequestHeadGuard.UpgradeCheck? = nil
    ) -> HTTPServerBuilder where WSRouter.Responder.Context: WebSocketRequestContext {
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: .init(
                idleTimeout: limits.idleTimeout,
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: limits.maxHeaderFieldBytes, maxHeaderListSize: limits.maxHeaderBytes,
                    maxHeaderFieldCount: limits.maxHeaderCount)),
            ws: .init(maxFrameSize: 1 << 16, autoPing: .enabled(timePeriod: .seconds(20))))
        let webSocketResponder = webSocketRouter.buildResponder()
        return HTTPServerBuilder { responder in
            HTTP1WebSocketUpgradeChannel(
                responder: responder, webSocketResponder: webSocketResponder, configuration: configuration
            ).guarded(tls: tls, limits: limits, refused: refused, upgradeCheck: upgradeCheck)
        }
    }
}

/// A server TLS context from a PEM certificate chain and private key.
func serverTLSContext(certificateFile: String, keyFile: String) throws -> NIOSSLContext {
    let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
    let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
    return try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
}
