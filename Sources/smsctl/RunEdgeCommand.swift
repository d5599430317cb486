import ArgumentParser
import Foundation
import Logging
import Controller
import SMSCore
import Collector
import Services

/// `smsctl run edge`: the cloud relay that serves a redacted, read-only dashboard to the public.
struct RunEdgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge",
        abstract: "Relay the hub's public view to any number of read-only browsers.",
        discussion: HelpText.reflow(
            """
            The hub's gateway connects to /push with the token in an Authorization header; browsers read the
            dashboard and /ws. Every method but GET and HEAD is refused (405). The token is read from an
            environment variable, never from the command line:
              SMS_EDGE_TOKEN=… smsctl run edge --listen 0.0.0.0:8443 --token-env SMS_EDGE_TOKEN
            """))

    @Option(help: "Address to listen on, HOST:PORT.")
    var listen = "0.0.0.0:8443"

    @Option(help: "The environment variable holding the push token.")
    var tokenEnv = "SMS_EDGE_TOKEN"

    @Option(help: "PEM certificate for HTTPS/WSS (with --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key for HTTPS/WSS (with --tls-cert).")
    var tlsKey: String?

    @Option(help: "Serve the dashboard from this folder instead of the copy built into the binary (for working on web/).")
    var web: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("give both --tls-cert and --tls-key, or neither") }
    }

    func run() async throws {
        let logger = Bootstrap.logging(level: logLevel)
        let (host, port) = try CollectorOptions.parseHub(listen)
        guard let token = ProcessInfo.processInfo.environment[tokenEnv], !token.isEmpty else {
            throw ControllerError("environment variable \(tokenEnv) is not set or empty; the edge needs the push token")
        }
        try await runEdge(
            configuration: EdgeConfiguration(
                host: host, port: port, token: token, webRoot: web, tlsCertificate: tlsCert, tlsKey: tlsKey,
                version: SMSVersion.current),
            logger: logger)
    }
}
