import SMSCore
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL

/// TLS in front of any server child channel (HummingbirdTLS is not a dependency of Services; this is its
/// twenty-line core): the SSL handler first, then the wrapped channel's own setup.
struct EdgeTLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let context: NIOSSLContext

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension ServerChildChannel {
    /// Opens the existential so the TLS wrapper knows the concrete channel type.
    func wrappedInTLS(_ context: NIOSSLContext) -> any ServerChildChannel {
        EdgeTLSChannel(base: self, context: context)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with WebSocket upgrades over TLS, from a PEM certificate chain and private key.
    static func tlsWebSocketUpgrade<WSRouter: HTTPResponderBuilder>(
        webSocketRouter: WSRouter, configuration: HTTP1WebSocketUpgradeChannel.Configuration,
        certificateFile: String, keyFile: String
    ) throws -> HTTPServerBuilder where WSRouter.Responder.Context: WebSocketRequestContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        let context = try NIOSSLContext(
            configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        let webSocketResponder = webSocketRouter.buildResponder()
        return HTTPServerBuilder { responder in
            HTTP1WebSocketUpgradeChannel(
                responder: responder, webSocketResponder: webSocketResponder, configuration: configuration
            ).wrappedInTLS(context)
        }
    }
}
