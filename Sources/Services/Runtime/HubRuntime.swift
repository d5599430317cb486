import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Spec

/// Assembles the hub's roles for one process: aggregator (gRPC ingest + committer + retention) and gateway
/// (REST, WebSocket, dashboard), over the stores the spec names.
public struct HubRuntime: Sendable {
    public enum Role: String, Sendable, CaseIterable { case aggregator, gateway, alerts }

    public struct Options: Sendable {
        public var specFile: String
        public var stateDirectory: StateDirectory
        public var roles: Set<Role>
        /// Bind addresses; the spec's `hub.host` is what others dial, not necessarily what we bind.
        public var bindHost: String
        public var webRoot: String?
        public init(specFile: String, stateDirectory: StateDirectory, roles: Set<Role> = Set(Role.allCases),
                    bindHost: String = "0.0.0.0", webRoot: String? = nil) {
            self.specFile = specFile
            self.stateDirectory = stateDirectory
            self.roles = roles
            self.bindHost = bindHost
            self.webRoot = webRoot
        }
    }

    public let services: [any Service]
    public let history: any HistoryStore
    public let specBox: SpecBox

    /// Builds every role's service; the caller runs them in one ServiceGroup and closes `history` afterwards.
    public static func make(spec: Spec, options: Options, registry: PrometheusCollectorRegistry, logger: Logger) async throws -> HubRuntime {
        guard case .embedded = spec.hub.state else {
            throw HubError.unsupported("hub.state: redis is not available in this build yet; set hub.state: embedded")
        }
        let dataDir = options.stateDirectory.dataDir(for: spec, specFile: options.specFile)
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        let history = try await HistoryStoreFactory.make(spec.hub.history, dataDir: dataDir.path, logger: logger)
        let state = MemoryStateStore()
        let bus = LocalEventBus()
        let box = SpecBox(spec, hash: spec.hash)
        let started = Date()
        var services: [any Service] = []

        if options.roles.contains(.aggregator) {
            let metrics = AggregatorMetrics(registry: registry)
            let committer = Committer(history: history, state: state, bus: bus, metrics: metrics, logger: logger)
            let stateDir = options.stateDirectory
            let ingest = IngestService(
                committer: committer,
                tokens: { id in
                    guard let machine = box.current().spec.machine(id) else { return .unknownMachine }
                    guard let token = MachineTokens.token(for: machine, state: stateDir) else { return .noTokenYet }
                    return .token(token)
                },
                state: state, bus: bus, metrics: metrics, logger: logger,
                health: {
                    .with {
                        $0.status = "serving"
                        $0.version = SMSVersion.current
                        $0.specHash = box.current().hash
                        $0.startedMs = Int64(started.timeIntervalSince1970 * 1000)
                    }
                })
            // Order matters for shutdown (reverse order): the server stops taking batches before the committer drains.
            services.append(committer)
            services.append(RetentionJob(history: history, spec: box, logger: logger))
            services.append(AggregatorServer(
                service: ingest, host: options.bindHost, port: spec.hub.grpcPort,
                tls: spec.resolvingPaths(relativeTo: options.specFile).hub.tls, logger: logger))
        }
        var alerts: AlertsService?
        if options.roles.contains(.alerts) {
            let service = AlertsService(
                spec: box, bus: bus, state: state, dataDir: dataDir, logger: logger,
                options: .init(silencesFile: options.stateDirectory.silencesFile))
            services.append(service)
            alerts = service
        }
        if options.roles.contains(.gateway) {
            let context = GatewayContext(
                spec: box, state: state, bus: bus, history: history, alerts: alerts, webRoot: options.webRoot,
                health: HealthInfo(version: SMSVersion.current, startedAt: started), metrics: registry, logger: logger)
            services.append(buildGatewayApplication(
                context: context, configuration: GatewayConfiguration(host: options.bindHost, port: spec.hub.httpPort)))
        }
        services.append(SpecReloader(file: options.specFile, box: box, logger: logger) { [alerts] _ in
            await alerts?.reloadSilences()
        })
        return HubRuntime(services: services, history: history, specBox: box)
    }
}

/// A hub that cannot start as configured.
public enum HubError: Error, CustomStringConvertible {
    case unsupported(String)
    public var description: String {
        switch self { case .unsupported(let m): m }
    }
}
