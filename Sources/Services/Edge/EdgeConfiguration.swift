import SMSCore
import Logging

/// How an edge relay listens and whom it trusts.
public struct EdgeConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The bearer token the gateway must present on `/push` (from `--token-env`); empty refuses every push.
    public var token: String
    /// The dashboard's folder (`web/`); nil serves the API and sockets only.
    public var webRoot: String?
    /// PEM certificate chain and key for HTTPS/WSS; nil serves plain HTTP (behind a TLS-terminating proxy).
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Origins besides the edge's own host allowed to open `/ws`.
    public var allowedOrigins: [String]
    /// How long the edge keeps pushed values for its machine view's charts.
    public var historyKeep: Duration
    public var version: String
    /// Header sizes and the head timeout, enforced before any route (see `RequestLimits`).
    public var requestLimits = RequestLimits()

    public init(
        host: String = "0.0.0.0", port: Int = 8443, token: String, webRoot: String? = nil,
        tlsCertificate: String? = nil, tlsKey: String? = nil, allowedOrigins: [String] = [],
        historyKeep: Duration = .seconds(15 * 60), version: String = "dev"
    ) {
        self.host = host
        self.port = port
        self.token = token
        self.webRoot = webRoot
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.allowedOrigins = allowedOrigins
        self.historyKeep = historyKeep
        self.version = version
    }
}
