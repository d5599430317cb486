import SMSCore
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import Spec

/// The aggregator's gRPC server as a `Service`: listens on the spec's gRPC port (TLS when the spec names a
/// certificate), serves the ingest service, and on graceful shutdown stops taking streams while the committer
/// acknowledges what is in flight.
public struct AggregatorServer: Service {
    public let service: IngestService
    let host: String
    let port: Int
    let tls: TLSFiles?
    let logger: Logger
    let listening: (@Sendable (Int) -> Void)?

    /// - Parameters:
    ///   - host: the address to bind (`0.0.0.0` to reach it from other machines).
    ///   - listening: told the bound port once the server listens (useful with port 0 in tests).
    public init(service: IngestService, host: String, port: Int, tls: TLSFiles?, logger: Logger,
                listening: (@Sendable (Int) -> Void)? = nil) {
        self.service = service
        self.host = host
        self.port = port
        self.tls = tls
        self.logger = logger
        self.listening = listening
    }

    public func run() async throws {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        // Bound what one message may cost the server: a batch of 50,000 values is ~450 KiB on the wire.
        config.rpc.maxRequestPayloadSize = 4 << 20
        // Collectors ping a stream that has been quiet for `Uplink.keepaliveTime` to find a dead link: allow it.
        config.connection.keepalive.clientBehavior.minPingIntervalWithoutCalls = .seconds(5)
        let security: HTTP2ServerTransport.Posix.TransportSecurity
        if let tls {
            security = .tls(certificateChain: [.file(path: tls.cert, format: .pem)], privateKey: .file(path: tls.key, format: .pem))
        } else {
            security = .plaintext
        }
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: host, port: port), transportSecurity: security, config: config)
        let server = GRPCServer(transport: transport, services: [service])
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                try await withGracefulShutdownHandler {
                    try await server.serve()
                } onGracefulShutdown: {
                    server.beginGracefulShutdown()
                }
            }
            do {
                guard let address = try await transport.listeningAddress.ipv4 else { return }
                logger.info("aggregator listening", metadata: ["address": "\(address.host):\(address.port)", "tls": "\(tls != nil)"])
                listening?(address.port)
            } catch {
                throw AggregatorError.cannotListen(host: host, port: port, reason: "\(error)")
            }
        }
    }
}

/// Why the aggregator could not start, in words a person can act on.
public enum AggregatorError: Error, CustomStringConvertible {
    case cannotListen(host: String, port: Int, reason: String)
    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let reason):
            "cannot listen on \(host):\(port) for gRPC (\(reason)); is another hub running? change hub.grpc_port in the spec"
        }
    }
}
