import SMSCore
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The edge relay as a Hummingbird application: `/push` (one authenticated gateway), `/ws` (read-only browsers),
/// the dashboard in read-only mode, and a small read-only REST surface.
public func buildEdgeApplication(configuration: EdgeConfiguration, logger: Logger) throws -> some ApplicationProtocol {
    let clients = ClientRegistry()
    let relay = EdgeRelay(
        clients: clients, historyKeepMs: configuration.historyKeep.components.seconds * 1000)
    let metrics = GatewayMetrics(registry: .init(), version: configuration.version)
    let sockets = buildEdgeSocketRouter(
        configuration: configuration, relay: relay, clients: clients, metrics: metrics, logger: logger)
    var tls: NIOSSLContext?
    if let cert = configuration.tlsCertificate, let key = configuration.tlsKey {
        tls = try serverTLSContext(certificateFile: cert, keyFile: key)
    }
    let server = HTTPServerBuilder.guardedWebSocketUpgrade(
        webSocketRouter: sockets, limits: configuration.requestLimits, tls: tls, refused: { metrics.requestRefused($0) })
    return Application(
        router: buildEdgeRouter(configuration: configuration, relay: relay, logger: logger), server: server,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "sms-edge"),
        logger: logger)
}

/// Runs an edge until SIGTERM/SIGINT: what `smsctl run edge` calls.
public func runEdge(configuration: EdgeConfiguration, logger: Logger) async throws {
    let app = try buildEdgeApplication(configuration: configuration, logger: logger)
    try await app.runService()
}

/// Read-only HTTP: errors as JSON, 405 for writes, the dashboard, then the REST routes.
func buildEdgeRouter(configuration: EdgeConfiguration, relay: EdgeRelay, logger: Logger) -> Router<BasicRequestContext>
{
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: JSONErrorMiddleware())
    router.add(middleware: ReadOnlyMiddleware())
    // The dashboard built into the binary, or the files of `--web DIR` (for working on the dashboard).
    if let webRoot = configuration.webRoot {
        router.add(
            middleware: FileMiddleware(
                webRoot, cacheControl: .init([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: true,
                logger: logger))
    } else {
        router.add(middleware: EmbeddedWebMiddleware())
    }
    EdgeController(relay: relay, configuration: configuration).addRoutes(to: router)
    LiveRefusalController(policy: OriginPolicy(allowed: configuration.allowedOrigins)).addRoutes(to: router)
    return router
}

/// `/push` upgrades only with the right bearer token; `/ws` upgrades browsers of an allowed origin.
func buildEdgeSocketRouter(
    configuration: EdgeConfiguration, relay: EdgeRelay, clients: ClientRegistry, metrics: GatewayMetrics,
    logger: Logger
) -> Router<LiveRequestContext> {
    let router = Router(context: LiveRequestContext.self)
    let auth = PushAuthorization(token: configuration.token)
    let policy = OriginPolicy(allowed: configuration.allowedOrigins)
    let socket = LiveSocket(
        feed: relay, clients: clients, metrics: metrics,
        configuration: GatewayConfiguration(readOnly: true, pushToEdges: false, hostNames: nil))
    let current = PushSlot()
    router.ws("push") { request, _ in
        auth.allows(request) ? .upgrade([:]) : .dontUpgrade
    } onUpgrade: { inbound, outbound, context in
        // One gateway at a time: a new authenticated push replaces (closes) the previous one.
        current.replace(with: context.requestContext.channel)
        logger.info("gateway connected")
        defer { logger.info("gateway disconnected") }
        for try await message in inbound.messages(maxSize: 64 << 20) {
            guard case .text(let text) = message else {
                try await outbound.close(.unacceptableData, reason: "text messages only")
                return
            }
            do {
                try relay.apply(Array(text.utf8))
            } catch {
                logger.warning("bad push message", metadata: ["error": "\(error)"])
                try await outbound.close(.unacceptableData, reason: "unexpected message")
                return
            }
        }
    }
    router.ws("ws") { request, _ in
        policy.allows(origin: request.headers[.origin], host: request.head.authority) ? .upgrade([:]) : .dontUpgrade
    } onUpgrade: { inbound, outbound, context in
        try await socket.run(
            inbound: inbound, outbound: outbound, channel: context.requestContext.channel, logger: context.logger)
    }
    return router
}

/// The channel of the gateway currently pushing, so a newer push can close it.
final class PushSlot: Sendable {
    private let channel = Mutex<(any Channel)?>(nil)

    func replace(with new: any Channel) {
        let old = channel.withLock { slot in
            defer { slot = new }
            return slot
        }
        old?.close(promise: nil)
    }
}
