import Services
import SMSCore
import Foundation
import Spec

/// What `smsctl status` shows: the local processes, the machines as the hub sees them, alerts firing, edges.
public struct StatusReport: Encodable, Sendable {
    /// One local process.
    public struct ServiceRow: Codable, Sendable {
        public var role: String
        public var pid: Int32?
        public var uptimeSeconds: Double?
        /// `healthy`, `unhealthy`, `not connected`, `not running`.
        public var health: String
        /// The spec hash it runs (hub: from /healthz; collector: the one it started with).
        public var specHash: String?
        /// True when it runs other settings than the spec file says; nil when unknown.
        public var drift: Bool?
    }

    /// One machine, declared or reporting.
    public struct MachineRow: Codable, Sendable {
        public var id: String
        public var host: String?
        public var local: Bool
        /// How its collector is run: `local` (apply starts it here), `ssh` (apply manages it over ssh) or
        /// `manual` (the rendered script, run by hand).
        public var managed: String = "manual"
        public var connected: Bool
        public var lastSeenMs: Int64?
        public var lagMs: Int64?
        /// The machine's clock ahead of the hub's (negative: behind), within the network's delay.
        public var clockOffsetMs: Int64?
        public var backlog: UInt64?
        public var agentVersion: String?
        public var specDrift: Bool?
        public var samplesPerSecond: Double
        public var status: String
        /// Share of time with data over the last `1h`, `24h`, `7d` (0…1), from the hub's gap ledger.
        public var completeness: [String: Double]?
    }

    /// One alert firing or pending.
    public struct AlertRow: Codable, Sendable {
        public var rule: String
        public var machine: String
        public var severity: String
        public var state: String
        public var sinceMs: Int64
        public var value: Double?
        /// Who acknowledged this firing period ("-" when unknown); nil while nobody has.
        public var acknowledgedBy: String?
    }

    /// One edge of the spec (URL without credentials or path).
    public struct EdgeRow: Codable, Sendable {
        public var name: String
        public var url: String
        public var machines: [String]
    }

    public var spec: String
    public var specFile: String
    public var specHash: String
    public var stateDirectory: String
    public var dashboard: String
    public var serverTimeMs: Int64?
    public var services: [ServiceRow]
    public var machines: [MachineRow]
    /// nil when the hub has no alerts endpoint or does not answer.
    public var alerts: [AlertRow]?
    /// Each notification channel's delivery state; nil when the hub does not answer.
    public var channels: [NotificationChannelStatus]? = nil
    /// Silences in force now (from the state directory's `silences.json`).
    public var silences: [Silence] = []
    public var edges: [EdgeRow]
    /// Everything declared that is not healthy, in words; empty when all is well.
    public var problems: [String]
    public var healthy: Bool { problems.isEmpty }
    /// Alerts firing at critical severity now.
    public var criticalAlerts: [AlertRow] { (alerts ?? []).filter { $0.severity == "critical" && $0.state == "firing" } }

    /// What `smsctl status` exits with: 4 while an alert is critical, else 3 while something declared is not
    /// healthy (or nothing runs), else 0.
    public var exitCode: Int32 { !criticalAlerts.isEmpty ? 4 : healthy ? 0 : 3 }

    /// `healthy` and `exitCode` included in JSON for scripts.
    enum CodingKeys: String, CodingKey {
        case spec, specFile, specHash, stateDirectory, dashboard, serverTimeMs, services, machines, alerts, channels
        case silences, edges, problems, healthy, exitCode
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(spec, forKey: .spec)
        try c.encode(specFile, forKey: .specFile)
        try c.encode(specHash, forKey: .specHash)
        try c.encode(stateDirectory, forKey: .stateDirectory)
        try c.encode(dashboard, forKey: .dashboard)
        try c.encodeIfPresent(serverTimeMs, forKey: .serverTimeMs)
        try c.encode(services, forKey: .services)
        try c.encode(machines, forKey: .machines)
        try c.encodeIfPresent(alerts, forKey: .alerts)
        try c.encodeIfPresent(channels, forKey: .channels)
        try c.encode(silences, forKey: .silences)
        try c.encode(edges, forKey: .edges)
        try c.encode(problems, forKey: .problems)
        try c.encode(healthy, forKey: .healthy)
        try c.encode(exitCode, forKey: .exitCode)
    }
}
