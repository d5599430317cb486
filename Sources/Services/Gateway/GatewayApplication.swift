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
    let auth: Authenticator

    init(context: GatewayContext, configuration: GatewayConfiguration) throws {
        self.context = context
        self.configuration = configuration
        clients = ClientRegistry()
        metrics = GatewayMetrics(registry: context.metrics, version: context.health.version)
        feed = LiveFeed(context: context, configuration: configuration, clients: clients)
        auth = try Authenticator(mode: configuration.auth, spec: context.spec, port: configuration.port)
    }

    var accounts: Accounts { Accounts(spec: context.spec, state: auth.settings?.state) }
}

/// The gateway as a Hummingbird application (itself a `Service`): REST, `/ws`, `/metrics` and the dashboard.
///
/// Add it to the hub's `ServiceGroup`; the live feed runs as one of the application's own services. Throws when
/// login is on and the CLI's token cannot be created in the state directory.
public func buildGatewayApplication(
    context: GatewayContext, configuration: GatewayConfiguration
) throws -> some ApplicationProtocol {
    let parts = try GatewayParts(context: context, configuration: configuration)
    return Application(
        router: buildGatewayRouter(parts: parts),
        server: .guardedWebSocketUpgrade(
            webSocketRouter: buildLiveRouter(parts: parts), limits: configuration.requestLimits,
            tls: try configuration.tls.map { try serverTLSContext(certificateFile: $0.cert, keyFile: $0.key) },
            refused: { [metrics = parts.metrics] in metrics.requestRefused($0) },
            upgradeCheck: { [auth = parts.auth] head in auth.refusal(upgrade: head) }),
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
) throws -> Router<GatewayRequestContext> {
    buildGatewayRouter(parts: try GatewayParts(context: context, configuration: configuration))
}

/// One `addRoutes` line per controller; errors become `{"error": …}` before anything else sees them. The Host and
/// Origin guards run first, then the login gate, then the dashboard's files and the routes.
func buildGatewayRouter(parts: GatewayParts) -> Router<GatewayRequestContext> {
    let router = Router(context: GatewayRequestContext.self)
    router.add(middleware: JSONErrorMiddleware())
    router.add(middleware: HostGuardMiddleware(
        policy: HostPolicy(names: parts.configuration.hostNames),
        origins: OriginPolicy(allowed: parts.configuration.allowedOrigins)))
    router.add(middleware: AuthMiddleware(auth: parts.auth))
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
    GapsController(context: parts.context).addRoutes(to: api)
    AlertsController(source: parts.context.alerts).addRoutes(to: api)
    SilencesController(
        store: parts.context.silencesFile.map(SilenceStore.init(url:)), spec: parts.context.spec, auth: parts.auth
    ).addRoutes(to: api)
    AcknowledgementsController(
        store: parts.context.silencesFile.map(SilenceStore.init(url:)), source: parts.context.alerts, auth: parts.auth
    ).addRoutes(to: api)
    PrometheusController(context: parts.context, latest: parts.feed.latest).addRoutes(to: api, root: router)
    AuthController(auth: parts.auth, accounts: parts.accounts, metrics: parts.metrics).addRoutes(to: api, root: router)
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
    let auth = parts.auth
    router.ws("ws") { request, _ in
        let host = request.head.authority
        // Refused here, the request goes on to the HTTP router, whose guards answer 400, 403 or 401 with a body.
        guard hosts.allows(host), policy.allows(origin: request.headers[.origin], host: host),
            auth.identify(HTTPFieldsView(request.headers)) != nil
        else { return .dontUpgrade }
        return .upgrade([:])
    } onUpgrade: { inbound, outbound, context in
        try await socket.run(
            inbound: inbound, outbound: outbound, channel: context.requestContext.channel, logger: context.logger)
    }
    return router
}
