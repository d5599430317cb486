import ArgumentParser

/// `smsctl run ROLE`: runs one role of sms in the foreground (what `apply` starts, and what containers run).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one sms role in the foreground.",
        discussion: HelpText.reflow(
            """
              hub        aggregator + gateway (+ alerts) in one process: the embedded default
              aggregator the gRPC ingest: collectors stream to it, it stores history
              gateway    dashboard, REST and WebSocket over shared Redis + PostgreSQL
              alerts     evaluates alert rules on the live events in Redis and notifies
              collector  samples this machine every interval and streams to the hub
              edge       relays the public, read-only view (run it in the cloud)

            aggregator, gateway and alerts run as separate processes (or containers) when hub.state is
            redis://… and hub.history is postgres://…; with the embedded backends run them together as `hub`.

            Every role reads the spec at start and again on SIGHUP; SIGTERM or SIGINT stops it gracefully.
            """),
        subcommands: [
            RunHubCommand.self, RunAggregatorCommand.self, RunGatewayCommand.self, RunAlertsCommand.self,
            RunCollectorCommand.self, RunEdgeCommand.self,
        ]
    )
}

/// Flags every role that reads a spec shares.
struct SpecOptions: ParsableArguments {
    @Option(name: .long, help: "The spec file, e.g. specs/home.yaml.")
    var spec: String

    @Option(name: .long, help: "Where secrets, logs, pids and data live (default: .sms/<name>/ beside the spec).")
    var stateDir: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info
}

import Logging
