import Services
import SMSCore
import Foundation
import Spec

/// What one local role's process is doing now, from its pid file, `/proc` and the hub's HTTP port.
public struct RoleRuntime: Sendable, Equatable, Codable {
    public var role: String
    public var pid: Int32?
    public var running: Bool
    /// The start-time config hash and spec hash it was started with (from the pid file).
    public var configHash: String?
    public var startedSpecHash: String?
    public var startedAt: Date?
    /// The spec hash it reports now: the hub's `/healthz` (changes on reload); a collector's start hash.
    public var reportedSpecHash: String?
    /// nil when not asked (not running), else whether its health check passed.
    public var healthy: Bool?

    public init(
        role: ControllerRole, pid: Int32? = nil, running: Bool, configHash: String? = nil,
        startedSpecHash: String? = nil, startedAt: Date? = nil, reportedSpecHash: String? = nil,
        healthy: Bool? = nil
    ) {
        self.role = role.name
        self.pid = pid
        self.running = running
        self.configHash = configHash
        self.startedSpecHash = startedSpecHash
        self.startedAt = startedAt
        self.reportedSpecHash = reportedSpecHash
        self.healthy = healthy
    }
}

/// Every local role the state directory knows about, observed at one moment.
public struct RuntimeSnapshot: Sendable {
    public var roles: [ControllerRole: RoleRuntime]
    /// The hub's live view, when it answered.
    public var fleet: FleetAnswer?

    public init(roles: [ControllerRole: RoleRuntime] = [:], fleet: FleetAnswer? = nil) {
        self.roles = roles
        self.fleet = fleet
    }

    public subscript(role: ControllerRole) -> RoleRuntime {
        roles[role] ?? RoleRuntime(role: role, running: false)
    }

    /// Nothing runs (first apply, or after `down`).
    public static let empty = RuntimeSnapshot()

    /// What running exactly the applied state would look like; for plans without looking at processes.
    public static func assuming(_ applied: AppliedState) -> RuntimeSnapshot {
        var roles: [ControllerRole: RoleRuntime] = [:]
        for (name, hash) in applied.roles {
            guard let role = ControllerRole(name: name) else { continue }
            roles[role] = RoleRuntime(
                role: role, running: true, configHash: hash, startedSpecHash: applied.specHash,
                reportedSpecHash: applied.specHash, healthy: true)
        }
        return RuntimeSnapshot(roles: roles)
    }

    /// Reads the pid files in `state.run`, checks each process, and asks the hub (at `hub`'s port) how it is.
    public static func observe(state: StateDirectory, hub: HubClient) -> RuntimeSnapshot {
        var snapshot = RuntimeSnapshot()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: state.run.path)) ?? []
        for file in names where file.hasSuffix(".pid") {
            guard let role = ControllerRole(name: String(file.dropLast(4))),
                let record = PidRecord.read(state.run.appendingPathComponent(file))
            else { continue }
            snapshot.roles[role] = RoleRuntime(
                role: role, pid: record.pid, running: record.isAlive, configHash: record.configHash,
                startedSpecHash: record.specHash, startedAt: record.startedAt,
                reportedSpecHash: role == .hub ? nil : record.specHash)
        }
        guard snapshot[.hub].running else { return snapshot }
        let health = hub.health()
        snapshot.roles[.hub]?.healthy = health?.status == "ok"
        snapshot.roles[.hub]?.reportedSpecHash = health?.specHash
        snapshot.fleet = hub.machines()
        for (role, runtime) in snapshot.roles where runtime.running {
            guard case .collector(let id) = role else { continue }
            let machine = snapshot.fleet?.machines.first { $0.id == id }
            snapshot.roles[role]?.healthy =
                machine.map {
                    HubClient.isStreaming($0, serverTimeMs: snapshot.fleet?.serverTimeMs ?? 0)
                } ?? false
        }
        return snapshot
    }
}
