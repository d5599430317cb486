import SMSCore
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Spec

/// Assembles the hub's roles for one process: aggregator (gRPC ingest + committer + retention), gateway
/// (REST, WebSocket, dashboard) and alerts, over the stores the spec names.
///
/// With the embedded backends every role must share one process (state and events live in its memory). With
/// `hub.state: redis://…` and `hub.history: postgres://…` each role can run alone, and several aggregators
/// can feed one gateway and one alerts process.
public struct HubRuntime: Sendable {
    public enum Role: String, Sendable, CaseIterable { case aggregator, gateway, alerts }

    public struct Options: Sendable {
        public var specFile: String
        public var stateDirectory: StateDirectory
        public var roles: Set<Role>
        /// Bind addresses; the spec's `hub.host` is what others dial, not necessarily what we bind.
        public var bindHost: String
        public var webRoot: String?
        /// Ports instead of the spec's (several aggregators or gateways on one machine).
        public var grpcPort: Int?
        public var httpPort: Int?
        public init(specFile: String, stateDirectory: StateDirectory, roles: Set<Role> = Set(Role.allCases),
                    bindHost: String = "0.0.0.0", webRoot: String? = nil, grpcPort: Int? = nil, httpPort: Int? = nil) {
            self.specFile = specFile
            self.stateDirectory = stateDirectory
            self.roles = roles
            self.bindHost = bindHost
            self.webRoot = webRoot
            self.grpcPort = grpcPort
            self.httpPort = httpPort
        }
    }

    public let services: [any Service]
    /// The history store, for the caller to close after the services stop (nil for a lone alerts process).
    public let history: (any HistoryStore)?
    public let specBox: SpecBox

    /// Builds every role's service; the caller runs them in one ServiceGroup and closes `history` afterwards.
    public static func make(spec: Spec, options: Options, registry: PrometheusCollectorRegistry, logger: Logger) async throws -> HubRuntime {
        try checkSeparable(spec: spec, roles: options.roles)
        let dataDir = options.stateDirectory.dataDir(for: spec, specFile: options.specFile)
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        let needsHistory = options.roles.contains(.aggregator) || options.roles.contains(.gateway)
        let history = needsHistory
            ? try await HistoryStoreFactory.make(spec.hub.history, dataDir: dataDir.path, logger: logger) : nil
        let live = try LiveBackends.make(spec.hub.state, namespace: spec.name, logger: logger)
        let (state, bus) = (live.state, live.bus)
        let box = SpecBox(spec, hash: spec.hash)
        let started = Date()
        // First in, last out: the Redis connections outlive every role that writes through them.
        var services: [any Service] = live.services

        if options.roles.contains(.aggregator), let history {
            let metrics = AggregatorMetrics(registry: registry)
            let gaps = GapLedger(
                history: history,
                intervalMs: { id in
                    let spec = box.current().spec
                    return (spec.machine(id)?.interval ?? spec.defaults.interval).milliseconds
                }, logger: logger)
            let committer = Committer(
                history: history, state: state, bus: bus, metrics: metrics, logger: logger, gaps: gaps)
            let stateDir = options.stateDirectory
            let ingest = IngestService(
                committer: committer,
                tokens: { id in
                    guard let machine = box.current().spec.machine(id) else { return .unknownMachine }
                    guard let token = MachineTokens.token(for: machine, state: stateDir) else { return .noTokenYet }
                    return .token(token)
                },
                state: state, bus: bus, metrics: metrics, logger: logger, generation: { box.generation },
                health: {
                    .with {
                        $0.status = "serving"
                        $0.version = SMSVersion.current
                        $0.specHash = box.current().hash
                        $0.startedMs = Int64(started.timeIntervalSince1970 * 1000)
                    }
                })
            // Order matters for shutdown (reverse order): the server stops taking batches before the committer drains.
            services.append(gaps)
            services.append(committer)
            services.append(RetentionJob(history: history, spec: box, logger: logger))
            services.append(AggregatorServer(
                service: ingest, host: options.bindHost, port: options.grpcPort ?? spec.hub.grpcPort,
                tls: spec.hubTLSFiles(state: options.stateDirectory, specFile: options.specFile), logger: logger))
        }
        var alerts: AlertsService?
        if options.roles.contains(.alerts) {
            let service = AlertsService(
                spec: box, bus: bus, state: state, dataDir: dataDir, logger: logger,
                options: .init(silencesFile: options.stateDirectory.silencesFile))
            services.append(service)
            alerts = service
            if let redis = live.redis, !options.roles.contains(.gateway) {
                services.append(AlertStatusPublisher(alerts: service, redis: redis, namespace: spec.name))
            }
        }
        if options.roles.contains(.gateway), let history {
            // A gateway apart from the alerts process reads its alerts from Redis.
            let alertSource: (any AlertStatusSource)? = alerts ?? live.redis.map {
                RedisAlertStatusSource(redis: $0, namespace: spec.name)
            }
            let context = GatewayContext(
                spec: box, state: state, bus: bus, history: history, alerts: alertSource, webRoot: options.webRoot,
                health: HealthInfo(version: SMSVersion.current, startedAt: started), metrics: registry, logger: logger,
                silencesFile: options.stateDirectory.silencesFile)
            // The dashboard's port speaks TLS with the same certificate as gRPC (session cookies then carry `Secure`).
            let tls = spec.hubTLSFiles(state: options.stateDirectory, specFile: options.specFile)
            let auth = GatewayAuthSettings(state: options.stateDirectory, secureCookies: tls != nil)
            try Self.announceLoginLink(spec: spec, state: options.stateDirectory, logger: logger)
            var configuration = GatewayConfiguration(
                auth: .spec(auth), host: options.bindHost, port: options.httpPort ?? spec.hub.httpPort,
                hostNames: Self.hostNames(spec))
            configuration.tls = tls
            services.append(try buildGatewayApplication(context: context, configuration: configuration))
        }
        services.append(SpecReloader(file: options.specFile, box: box, logger: logger) { [alerts] _ in
            await alerts?.reloadSilences()
        })
        return HubRuntime(services: services, history: history, specBox: box)
    }
}

extension HubRuntime {
    /// With login on and no users declared, makes sure a one-time admin link exists (as `apply` does) and says
    /// where it is; the link itself is never logged.
    static func announceLoginLink(spec: Spec, state: StateDirectory, logger: Logger) throws {
        guard spec.hub.auth.requiresLogin, spec.hub.auth.users.isEmpty,
            let link = try HubSecrets.ensureLoginLink(state: state)
        else { return }
        logger.notice(
            "no dashboard password set yet: `smsctl apply` prints the one-time admin login link",
            metadata: ["file": "\(state.loginLinkFile.path)", "expires": "\(link.expires)"])
    }

    /// The names the gateway answers to besides addresses and localhost: `hub.host`, `hub.allowed_hosts`, and
    /// this machine's own name (full and short), as a browser on the LAN would type it.
    static func hostNames(_ spec: Spec) -> [String] {
        // gethostname(2), not ProcessInfo.hostName, which may ask DNS for a canonical name at start-up.
        var buffer = [CChar](repeating: 0, count: 256)
        let own = gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased() : ""
        let short = own.split(separator: ".").first.map(String.init) ?? own
        return [spec.hub.host.lowercased(), own, short].filter { !$0.isEmpty } + spec.hub.allowedHosts
    }

    /// Refuses role sets that cannot work apart: a gateway or alerts process without the aggregator sees only
    /// what the shared backends carry.
    static func checkSeparable(spec: Spec, roles: Set<Role>) throws {
        guard !roles.contains(.aggregator) else { return }
        let names = roles.map(\.rawValue).sorted().joined(separator: " and ")
        if case .embedded = spec.hub.state {
            throw HubError.unsupported(
                "\(names) cannot run apart from the aggregator with hub.state: embedded (current state and live "
                    + "events live inside the hub process); set hub.state: redis://… in the spec, or run `smsctl run hub`")
        }
        if roles.contains(.gateway), case .embedded = spec.hub.history {
            throw HubError.unsupported(
                "gateway cannot run apart from the aggregator with hub.history: embedded (the history file belongs "
                    + "to the hub process); set hub.history: postgres://… in the spec, or run `smsctl run hub`")
        }
    }
}

/// A hub that cannot start as configured.
public enum HubError: Error, CustomStringConvertible {
    case unsupported(String)
    public var description: String {
        switch self { case .unsupported(let m): m }
    }
}
