import Services
import SMSCore
import Foundation
import Spec

extension StatusReport {
    /// Observes the deployment now: pid files, `/proc`, and the hub's `/healthz`, `/api/machines`, `/api/alerts`.
    public static func gather(_ target: ControllerTarget, now: Date = Date()) throws -> StatusReport {
        guard let spec = target.spec ?? target.applied?.spec else {
            throw ControllerError("\(target.specFile) has errors and nothing was applied; run smsctl validate on it")
        }
        let hub = HubClient(spec: target.runningSpec ?? spec, specFile: target.specFile, state: target.state)
        let runtime = RuntimeSnapshot.observe(state: target.state, hub: hub)
        let expected = RoleConfig.hashes(spec, specFile: target.specFile, state: target.state)
        var problems: [String] = []
        var roles = Set(expected.keys)
        for (role, r) in runtime.roles where r.running { roles.insert(role) }
        let services = roles.sorted().map { role -> ServiceRow in
            let row = serviceRow(role, runtime: runtime[role], expected: expected[role], spec: spec, now: now)
            if expected[role] != nil, row.health != "healthy" { problems.append("\(role): \(row.health)") }
            return row
        }
        let drifts = Dictionary(
            uniqueKeysWithValues: services.compactMap { row -> (String, Bool)? in
                guard case .collector(let id)? = ControllerRole(name: row.role), let drift = row.drift else {
                    return nil
                }
                return (id, drift)
            })
        let fleet = runtime.fleet
        var machines = (fleet?.machines ?? []).map { m -> MachineRow in
            MachineRow(
                id: m.id, host: m.host, local: spec.machine(m.id)?.isLocal ?? false, connected: m.connected,
                lastSeenMs: m.lastSeenMs, lagMs: m.lagMs, clockOffsetMs: m.clockOffsetMs, backlog: m.backlog,
                agentVersion: m.agentVersion,
                specDrift: drifts[m.id] ?? m.specDrift, samplesPerSecond: m.samplesPerSecond, status: m.status.rawValue,
                completeness: m.completeness)
        }
        let managedBySSH = Set((target.applied?.managed ?? [:]).keys)
        for i in machines.indices {
            machines[i].managed =
                machines[i].local ? "local" : managedBySSH.contains(machines[i].id) || spec.machine(machines[i].id)?.ssh != nil
                ? "ssh" : "manual"
        }
        if let fleet {
            for m in fleet.machines
            where spec.machine(m.id) != nil && !HubClient.isStreaming(m, serverTimeMs: fleet.serverTimeMs) {
                if m.lastSeenMs == nil {
                    let setUp = spec.machine(m.id)?.ssh != nil
                        ? "smsctl apply \(target.specFile) installs its collector over ssh"
                        : spec.machine(m.id)?.isLocal == true ? "smsctl apply \(target.specFile) starts its collector"
                        : "run ctrl/collectors/\(m.id).sh on it"
                    problems.append("machine \(m.id): pending, never reported; \(setUp)")
                } else {
                    problems.append("machine \(m.id): not connected")
                }
            }
            for m in fleet.machines {
                if let problem = StatusText.clockProblem(m.clockOffsetMs) { problems.append("machine \(m.id): \(problem)") }
            }
        } else {
            // The hub does not answer: the declared machines are shown, state unknown.
            machines = spec.machines.map {
                MachineRow(
                    id: $0.id, host: $0.host, local: $0.isLocal, connected: false, samplesPerSecond: 0,
                    status: "unknown")
            }
            for i in machines.indices {
                machines[i].managed = machines[i].local ? "local" : spec.machines[i].ssh != nil ? "ssh" : "manual"
            }
        }
        let answer = runtime[.hub].running ? hub.alerts() : nil
        let channels = answer?.channels
        for channel in channels ?? [] {
            if let problem = StatusText.deliveryProblem(channel) { problems.append(problem) }
        }
        let alerts =
            runtime[.hub].running
            ? answer?.alerts.filter { $0.state != .resolved }.map {
                AlertRow(
                    rule: $0.rule, machine: $0.machine, severity: $0.severity.rawValue, state: $0.state.rawValue,
                    sinceMs: $0.sinceMs, value: $0.value, acknowledgedBy: $0.acknowledged.map { $0.by ?? "-" })
            } : nil
        return StatusReport(
            spec: spec.name, specFile: target.specFile, specHash: spec.hash, stateDirectory: target.state.url.path,
            dashboard: hub.dashboardURL, serverTimeMs: fleet?.serverTimeMs, services: services, machines: machines,
            alerts: alerts, channels: channels, silences: Self.silencesInForce(target),
            edges: spec.edges.map { EdgeRow(name: $0.name, url: Redact.url($0.url), machines: $0.machines) },
            problems: problems)
    }

    /// The silences of the state directory not yet over; none when the file is missing or unreadable.
    static func silencesInForce(_ target: ControllerTarget) -> [Silence] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let all = (try? SilenceStore(url: target.state.silencesFile).load()) ?? []
        return all.filter { $0.endsMs > now }.sorted { $0.endsMs < $1.endsMs }
    }

    /// A process's row; drift compares its start-time hash (and the hub's live spec hash) with the file's.
    static func serviceRow(
        _ role: ControllerRole, runtime r: RoleRuntime, expected: String?, spec: Spec, now: Date
    ) -> ServiceRow {
        guard r.running else {
            return ServiceRow(role: role.name, health: "not running")
        }
        let health: String
        let drift: Bool?
        switch role {
        case .hub:
            health = r.healthy == true ? "healthy" : "unhealthy"
            drift = r.reportedSpecHash.map { $0 != spec.hash || r.configHash != expected }
        case .collector:
            health = r.healthy == true ? "healthy" : "not connected"
            drift = expected.map { r.configHash != $0 } ?? true
        }
        return ServiceRow(
            role: role.name, pid: r.pid, uptimeSeconds: r.startedAt.map { now.timeIntervalSince($0) }, health: health,
            specHash: r.reportedSpecHash, drift: drift)
    }
}
