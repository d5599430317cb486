import Services
import SMSCore
import Foundation
import Spec

/// `/healthz` as the gateway answers it.
public struct HubHealth: Codable, Sendable, Equatable {
    public var status: String
    public var version: String
    public var spec: String
    public var specHash: String
    public var startedAt: String?
    public var uptimeSeconds: Double?
}

/// `/api/machines`.
public struct FleetAnswer: Codable, Sendable {
    public var spec: String
    public var specHash: String
    public var serverTimeMs: Int64
    public var machines: [MachineSummary]
}

/// `/api/alerts`.
public struct AlertsAnswer: Codable, Sendable {
    public var alerts: [AlertStatusDTO]
    /// Each notification channel's delivery state (nil from a hub before it was reported).
    public var channels: [NotificationChannelStatus]?
}

/// Asks the local hub's HTTP port how it is doing.
public struct HubClient: Sendable {
    public var host: String
    public var port: Int
    /// The CLI's API token (`secrets/api.token`), sent as `Authorization: Bearer` on `/api` calls.
    var bearer: String?
    /// How the hub's HTTPS is verified; nil when it speaks plain HTTP (`hub.tls: off`).
    public var tls: ProbeTLS?

    public init(host: String, port: Int, bearer: String? = nil, tls: ProbeTLS? = nil) {
        self.host = host
        self.port = port
        self.bearer = bearer
        self.tls = tls
    }

    /// The hub of `spec` (in the file `specFile`), dialled on this machine, with the API token of the state
    /// directory `state`, over HTTPS verified against the hub's CA unless `hub.tls: off`.
    public init(spec: Spec, specFile: String, state: StateDirectory) {
        self.init(host: RoleConfig.localHubHost(spec), port: spec.hub.httpPort, bearer: HubSecrets.apiToken(state: state),
                  tls: Self.trust(spec, specFile: specFile, state: state))
    }

    /// The generated CA checks the dialled address (its certificate names loopback and the bind address); the
    /// user's certificate is checked for `hub.host` when that is a name, with their CA or the system's roots.
    static func trust(_ spec: Spec, specFile: String, state: StateDirectory) -> ProbeTLS? {
        switch spec.hub.tls {
        case .off: return nil
        case .generated: return ProbeTLS(caFile: state.caCertificate.path)
        case .files:
            let host = spec.hub.host
            let isAddress = host.contains(":") || host.split(separator: ".").allSatisfy { Int($0) != nil }
            return ProbeTLS(caFile: spec.hubTLSFiles(state: state, specFile: specFile)?.ca,
                            serverName: isAddress || Spec.isWildcard(host) ? nil : host)
        }
    }

    public var dashboardURL: String { "\(tls == nil ? "http" : "https")://localhost:\(port)" }

    /// What a browser opens for the dashboard of `spec`: `hub.host` when others can dial it, else localhost.
    public static func dashboardBase(_ spec: Spec) -> String { spec.dashboardBase }

    /// `GET /healthz`; nil when it does not answer 200 with JSON.
    public func health(timeout: Double = 2) -> HubHealth? {
        HTTPProbe.json(HubHealth.self, host: host, port: port, path: "/healthz", timeout: timeout, tls: tls)
    }

    /// `GET /api/machines`.
    public func machines(timeout: Double = 2) -> FleetAnswer? {
        HTTPProbe.json(FleetAnswer.self, host: host, port: port, path: "/api/machines", bearer: bearer, timeout: timeout, tls: tls)
    }

    /// `GET /api/alerts` (active alerts).
    public func alerts(timeout: Double = 2) -> AlertsAnswer? {
        HTTPProbe.json(AlertsAnswer.self, host: host, port: port, path: "/api/alerts", bearer: bearer, timeout: timeout, tls: tls)
    }

    /// True when the machine streams: connected, and seen within three intervals (at least 10 s) of the hub's clock.
    public static func isStreaming(_ machine: MachineSummary, serverTimeMs: Int64) -> Bool {
        guard machine.connected, let seen = machine.lastSeenMs else { return false }
        return serverTimeMs - seen <= max(10_000, 3 * machine.intervalMs)
    }
}

/// Polls a condition until it holds or a deadline passes: no sleep-and-hope.
public enum Poll {
    /// Calls `check` every `every` until it returns a value or `within` passes; `tick` runs before each try.
    public static func until<T>(
        within: Duration, every: Duration = .milliseconds(200), tick: (Duration) -> Void = { _ in },
        _ check: () async -> T?
    ) async -> T? {
        let start = ContinuousClock.now
        while true {
            tick(ContinuousClock.now - start)
            if let value = await check() { return value }
            if ContinuousClock.now - start >= within { return nil }
            try? await Task.sleep(for: every)
        }
    }
}
