import SMSCore
import Foundation
import Logging
import Prometheus
import Spec
import Synchronization

/// What `/healthz` reports about the process besides the spec hash (which follows reloads).
public struct HealthInfo: Sendable {
    public var version: String
    public var startedAt: Date
    public init(version: String, startedAt: Date = Date()) {
        self.version = version
        self.startedAt = startedAt
    }
}

/// Everything the gateway reads: the spec, current state, live events, history and alert status.
public struct GatewayContext: Sendable {
    public var spec: any SpecProvider
    public var state: any StateStore
    public var bus: any EventBus
    public var history: any HistoryStore
    /// Alert status; nil when no alert evaluator runs in this process (the endpoints then return empty lists).
    public var alerts: (any AlertStatusSource)?
    /// Folder holding the dashboard (`web/`); nil serves the API only.
    public var webRoot: String?
    public var health: HealthInfo
    /// Registry `/metrics` renders; pass the process-wide one so swift-metrics from other roles show up too.
    public var metrics: PrometheusCollectorRegistry
    public var logger: Logger
    /// `silences.json` (`/api/silences` reads and writes it); nil keeps none.
    public var silencesFile: URL?
    /// The gap ledger's records, cached for the fleet view and the live feed.
    public let gaps: GapIndex

    public init(
        spec: any SpecProvider, state: any StateStore, bus: any EventBus, history: any HistoryStore,
        alerts: (any AlertStatusSource)? = nil, webRoot: String? = nil, health: HealthInfo,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger = Logger(label: "sms.gateway"), silencesFile: URL? = nil
    ) {
        self.silencesFile = silencesFile
        self.spec = spec
        self.state = state
        self.bus = bus
        self.history = history
        gaps = GapIndex(history: history)
        self.alerts = alerts
        self.webRoot = webRoot
        self.health = health
        self.metrics = metrics
        self.logger = logger
    }
}

/// How the gateway listens and how it treats live clients.
public struct GatewayConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Origins (`https://dash.example.org`) allowed to open `/ws` besides the gateway's own host.
    public var allowedOrigins: [String]
    /// Live updates are coalesced and flushed at most this often: a sample reaches dashboards within about this
    /// long of arriving.
    public var flushInterval: Duration
    /// A client whose write has not completed after this long is disconnected.
    public var writeTimeout: Duration
    /// A client whose unsent updates exceed this many bytes is disconnected (close 1013).
    public var maxPendingBytes: Int
    /// Host names the dashboard, API and `/ws` answer to besides IP addresses and localhost (`HostPolicy`); nil
    /// answers to any (the edge, which is public and redacted).
    public var hostNames: [String]?
    /// Shows the "public view" banner in the dashboard (the edge's mode).
    public var readOnly: Bool
    /// Runs an `EdgePusher` for every edge of the spec (off in tests that only look at the local dashboard).
    public var pushToEdges: Bool
    /// Header sizes and the head timeout, enforced before any route (see `RequestLimits`).
    public var requestLimits = RequestLimits()
    /// Login: `.spec(…)` for the hub (as `hub.auth` says), `.open` for the public edge. No default on purpose.
    public var auth: GatewayAuthMode
    /// The certificate and key the port serves HTTPS (and WSS) with; nil serves plain HTTP (`hub.tls: off`).
    public var tls: TLSFiles?

    public init(
        auth: GatewayAuthMode, host: String = "0.0.0.0", port: Int = 8080, allowedOrigins: [String] = [],
        flushInterval: Duration = .milliseconds(20), writeTimeout: Duration = .seconds(10),
        maxPendingBytes: Int = 8 << 20, readOnly: Bool = false, pushToEdges: Bool = true, hostNames: [String]? = []
    ) {
        self.auth = auth
        self.hostNames = hostNames
        self.host = host
        self.port = port
        self.allowedOrigins = allowedOrigins
        self.flushInterval = flushInterval
        self.writeTimeout = writeTimeout
        self.maxPendingBytes = maxPendingBytes
        self.readOnly = readOnly
        self.pushToEdges = pushToEdges
    }
}
