import SMSCore
import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle

/// The pieces both routers share: one client registry, one metrics set, one live feed per application.
struct GatewayParts: Sendable {
    let context: GatewayContext
    let configuration: GatewayConfiguration
    let clients: ClientRegistry
    let metrics: GatewayMetrics
    let feed: LiveFeed

    init(context: GatewayContext, configuration: GatewayConfiguration) {
        self.context = context
        self.configuration = configuration
        clients = ClientRegistry()
        metrics = GatewayMetrics(registry: context.metrics, version: context.health.version)
        feed = LiveFeed(context: context, configuration: configuration, clients: clients)
    }
}

/// The gateway as a Hummingbird application (itself a `Service`): REST, `/ws`, `/metrics` and the dashboard.
///
/// Add it to the hub's `ServiceGroup`; the live feed runs as one of the application's own services.
public func buildGatewayApplication(
    context: GatewayContext, configuration: GatewayConfiguration
) -> some ApplicationProtocol {
    let parts = GatewayParts(context: context, configuration: configuration)
    return Application(
        router: buildGatewayRouter(parts: parts),
        server: .guardedWebSocketUpgrade(
            webSocketRouter: buildLiveRouter(parts: parts), limits: configuration.requestLimits,
            refused: { [metrics = parts.metrics] in metrics.requestRefused($0) }),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "sms"),
        services: [parts.feed] + edgePushers(parts: parts),
        logger: context.logger)
}

/// One pusher per edge the spec declares at start (an edge added by a later reload waits for a restart).
func edgePushers(parts: GatewayParts) -> [any Service] {
    guard parts.configuration.pushToEdges else { return [] }
    return parts.context.spec.current().spec.edges.map {
        EdgePusher(edgeName: $0.name, context: parts.context, recent: parts.feed.recent)
    }
}

/// The HTTP routes alone (no WebSocket upgrade, no live feed), e.g. to mount elsewhere or test in router mode.
public func buildGatewayRouter(
    context: GatewayContext, configuration: GatewayConfiguration
) -> Router<BasicRequestContext> {
    buildGatewayRouter(parts: GatewayParts(context: context, configuration: configuration))
}

/// One `addRoutes` line per controller; errors become `{"error": …}` before anything else sees them.
func buildGatewayRouter(parts: GatewayParts) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: JSONErrorMiddleware())
    router.add(middleware: HostGuardMiddleware(
        policy: HostPolicy(names: parts.configuration.hostNames),
        origins: OriginPolicy(allowed: parts.configuration.allowedOrigins)))
    // The dashboard built into the binary, or the files of `--web DIR` (for working on the dashboard).
    if let webRoot = parts.context.webRoot {
        router.add(
            middleware: FileMiddleware(
                webRoot, cacheControl: .init([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: true,
                logger: parts.context.logger))
    } else {
        router.add(middleware: EmbeddedWebMiddleware())
    }
    let fleet = FleetView(context: parts.context)
    let api = router.group("api")
    MachinesController(fleet: fleet).addRoutes(to: api)
    HistoryController(context: parts.context).addRoutes(to: api)
    AlertsController(source: parts.context.alerts).addRoutes(to: api)
    HealthController(context: parts.context, fleet: fleet, metrics: parts.metrics, clients: parts.clients)
        .addRoutes(to: router)
    LiveRefusalController(policy: OriginPolicy(allowed: parts.configuration.allowedOrigins)).addRoutes(to: router)
    return router
}

/// The router that decides WebSocket upgrades on `/ws`: Origin checked first, then the live socket runs.
func buildLiveRouter(parts: GatewayParts) -> Router<LiveRequestContext> {
    let router = Router(context: LiveRequestContext.self)
    let policy = OriginPolicy(allowed: parts.configuration.allowedOrigins)
    let hosts = HostPolicy(names: parts.configuration.hostNames)
    let socket = LiveSocket(
        feed: parts.feed, clients: parts.clients, metrics: parts.metrics, configuration: parts.configuration)
    router.ws("ws") { request, _ in
        let host = request.head.authority
        return hosts.allows(host) && policy.allows(origin: request.headers[.origin], host: host) ? .upgrade([:]) : .dontUpgrade
    } onUpgrade: { inbound, outbound, context in
        try await socket.run(
            inbound: inbound, outbound: outbound, channel: context.requestContext.channel, logger: context.logger)
    }
    return router
}
