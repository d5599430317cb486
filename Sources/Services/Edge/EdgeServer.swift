import SMSCore
import Foundation
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

/// `/push` upgrades only a gateway that proves the edge's token (`PushSignature`), one at a time, and keeps it
/// only while every message is signed in order; `/ws` upgrades browsers of an allowed origin.
func buildEdgeSocketRouter(
    configuration: EdgeConfiguration, relay: EdgeRelay, clients: ClientRegistry, metrics: GatewayMetrics,
    logger: Logger
) -> Router<LiveRequestContext> {
    let router = Router(context: LiveRequestContext.self)
    let auth = PushAuthorization(token: configuration.token)
    let policy = OriginPolicy(allowed: configuration.allowedOrigins)
    let socket = LiveSocket(
        feed: relay, clients: clients, metrics: metrics,
        configuration: GatewayConfiguration(auth: .open, readOnly: true, pushToEdges: false, hostNames: nil))
    let current = PushSlot()
    router.ws("push") { request, _ in
        if let refusal = auth.refusal(request) {
            logger.warning("push refused", metadata: ["reason": "\(refusal)"])
            return .dontUpgrade
        }
        // One gateway at a time: while one is pushing, another is refused; one silent for 10 s is replaced.
        guard !current.isBusy() else {
            logger.warning("push refused", metadata: ["reason": "another gateway is pushing"])
            return .dontUpgrade
        }
        return .upgrade([:])
    } onUpgrade: { inbound, outbound, context in
        guard let key = auth.sessionKey(context.request) else { return }
        current.replace(with: context.requestContext.channel)
        logger.info("gateway connected")
        defer { logger.info("gateway disconnected") }
        var counter: UInt64 = 0
        for try await message in inbound.messages(maxSize: 64 << 20) {
            guard case .text(let text) = message else {
                try await outbound.close(.unacceptableData, reason: "text messages only")
                return
            }
            counter += 1
            guard let payload = PushSignature.open(Array(text.utf8), counter: counter, key: key) else {
                logger.warning("push closed: a message not signed in order (replayed, reordered or altered)")
                try await outbound.close(.policyViolation, reason: "message not signed in order")
                return
            }
            current.touch()
            do {
                try relay.apply(Array(payload))
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

/// The channel of the gateway currently pushing and when it last sent, so a second pusher is refused while the
/// first is alive, and a silent one (a restarted gateway's half-open connection) is replaced.
final class PushSlot: Sendable {
    private let state = Mutex<(channel: (any Channel)?, lastMs: Int64)>((nil, 0))
    static let silenceMs: Int64 = 10_000

    private static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func isBusy() -> Bool {
        state.withLock { s in
            guard let channel = s.channel, channel.isActive else { return false }
            return Self.nowMs() - s.lastMs < Self.silenceMs
        }
    }

    func replace(with new: any Channel) {
        let old = state.withLock { s in
            defer { s = (new, Self.nowMs()) }
            return s.channel
        }
        old?.close(promise: nil)
    }

    func touch() { state.withLock { $0.lastMs = Self.nowMs() } }
}
