import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Controller
import SMSCore
import Services
import Spec

/// `smsctl run hub --spec FILE`: aggregator and gateway in one process.
struct RunHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub", abstract: "Run the aggregator and the gateway (dashboard, REST, WebSocket) in one process.")

    @OptionGroup var options: SpecOptions

    @Option(help: "Address to bind the gRPC and HTTP ports to (default: hub.bind; else every interface when the spec has a remote machine, else loopback).")
    var bind: String?

    @Option(help: "Serve the dashboard from this folder instead of the copy built into the binary (for working on web/).")
    var web: String?

    func run() async throws {
        try await runHub(options: options, roles: Set(HubRuntime.Role.allCases), bind: bind, web: web)
    }
}

/// `smsctl run aggregator --spec FILE`: the gRPC ingest alone (several can share one Redis + PostgreSQL).
struct RunAggregatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregator", abstract: "Run the gRPC ingest: authenticate collectors, store their batches.",
        discussion: HelpText.reflow(
            """
            With hub.state: redis://… and hub.history: postgres://… several aggregators can run side by side,
            each on its own port serving its own collectors; gateways and the alerts process see them all:
              smsctl run aggregator --spec specs/prod.yaml --grpc-port 50051
              smsctl run aggregator --spec specs/prod.yaml --grpc-port 50052
            """))

    @OptionGroup var options: SpecOptions

    @Option(help: "Address to bind the gRPC port to (default: as for run hub).")
    var bind: String?

    @Option(help: "The gRPC port (default: the spec's hub.grpc_port).")
    var grpcPort: Int?

    func run() async throws {
        try await runHub(options: options, roles: [.aggregator], bind: bind, web: nil, grpcPort: grpcPort)
    }
}

/// `smsctl run gateway --spec FILE`: REST, WebSocket and dashboard alone, over Redis and PostgreSQL.
struct RunGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway", abstract: "Run the dashboard, REST API and WebSocket stream over shared Redis and PostgreSQL.",
        discussion: HelpText.reflow(
            """
            Reads current state and live events from hub.state (redis://…) and history from hub.history
            (postgres://…), so it shows every aggregator's machines. With the embedded backends the state lives
            inside the hub process: run `smsctl run hub` instead.
            """))

    @OptionGroup var options: SpecOptions

    @Option(help: "Address to bind the HTTP port to (default: as for run hub).")
    var bind: String?

    @Option(help: "The HTTP port (default: the spec's hub.http_port).")
    var httpPort: Int?

    @Option(help: "Serve the dashboard from this folder instead of the copy built into the binary (for working on web/).")
    var web: String?

    func run() async throws {
        try await runHub(options: options, roles: [.gateway], bind: bind, web: web, httpPort: httpPort)
    }
}

/// `smsctl run alerts --spec FILE`: the alert evaluator alone, fed by the aggregators' events over Redis.
struct RunAlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Evaluate the spec's alert rules on every aggregator's live events and notify.",
        discussion: HelpText.reflow(
            """
            Subscribes to the live events in hub.state (redis://…) and keeps its alert state in the data
            directory (<state-dir>/data/alerts.sqlite). Run exactly one per fleet; gateways show its alerts.
            """))

    @OptionGroup var options: SpecOptions

    func run() async throws {
        try await runHub(options: options, roles: [.alerts], bind: "127.0.0.1", web: nil)
    }
}

/// Runs the chosen roles until SIGTERM/SIGINT, then closes history so everything acknowledged is on disk.
func runHub(
    options: SpecOptions, roles: Set<HubRuntime.Role>, bind: String?, web: String?, grpcPort: Int? = nil,
    httpPort: Int? = nil
) async throws {
    let logger = Bootstrap.logging(level: options.logLevel)
    let spec = try Bootstrap.loadSpec(options.spec)
    let state = StateDirectory(specFile: options.spec, specName: spec.name, override: options.stateDir)
    let hub: HubRuntime
    do {
        // Started without apply (a container, a test): make the generated CA and certificate if missing.
        try HubCertificates.ensure(spec, state: state)
        hub = try await HubRuntime.make(
            spec: spec,
            options: .init(
                specFile: options.spec, stateDirectory: state, roles: roles, bindHost: bind ?? spec.hubBindAddress, webRoot: web,
                grpcPort: grpcPort, httpPort: httpPort),
            registry: Bootstrap.registry, logger: logger)
    } catch {
        logger.critical("cannot start the hub", metadata: ["error": "\(error)"])
        throw ExitCode(1)
    }
    logger.info("hub starting", metadata: [
        "spec": "\(options.spec)", "spec_hash": "\(spec.hash)", "roles": "\(roles.map(\.rawValue).sorted())",
        "grpc_port": "\(grpcPort ?? spec.hub.grpcPort)", "http_port": "\(httpPort ?? spec.hub.httpPort)", "data": "\(state.dataDir(for: spec, specFile: options.spec).path)",
    ])
    let group = ServiceGroup(configuration: .init(
        services: hub.services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    do {
        try await group.run()
    } catch {
        logger.critical("hub stopped on an error", metadata: ["error": "\(error)"])
        try? await hub.history?.close()
        throw ExitCode(1)
    }
    try await hub.history?.close()
    logger.info("hub stopped")
}
