import Foundation
import SMSCore
import Spec

extension RemoteFleet {
    /// Gives a managed machine a new token without losing a sample: the new token is installed on the machine
    /// first (the running collector keeps its stream), then it replaces the old one at the hub, whose reload ends
    /// the stream still on the old token; the collector reconnects with the token file's new value and replays
    /// from its durable buffer what it sampled meanwhile. It never stops sampling.
    public func rotateToken(_ id: String, hub: HubClient) async throws {
        guard let machine = spec.machine(id), let access = machine.ssh else {
            throw RemoteError("\(id) is not a machine apply manages over ssh (give it ssh: in the spec)")
        }
        guard machine.token.source == .generated else {
            throw RemoteError(
                "the token of \(id) comes from \(machine.token) in the spec: change it there, then run smsctl apply")
        }
        guard let record = recorded[id] else {
            throw RemoteError("\(id) is not installed yet; run smsctl apply first")
        }
        let layout = RemoteLayout(machine: id, prefix: access.prefix)
        let ssh = client(access)
        let upload = state.run.appendingPathComponent("\(id).token.upload")
        try FileManager.default.createDirectory(at: state.run, withIntermediateDirectories: true)
        let token = MachineTokens.randomToken()
        try MachineTokens.write(token, to: upload)
        defer { try? FileManager.default.removeItem(at: upload) }
        log.step(id, "installing a new token")
        try await step(ssh, RemoteSteps.writeFile(layout.token, mode: "0600", umask: "077"), input: upload, "install the new token")
        let sessions = try await streamStarts(ssh, layout, record.supervisor)
        // The hub reads a machine's token when a stream starts; the reload makes open streams check it again, so
        // the collector's stream on the old token ends and it reconnects with the new one, sampling all along.
        try MachineTokens.write(token, to: state.secrets.appendingPathComponent("\(id).token"))
        guard let hubRecord = PidRecord.read(state.pidFile(role: ControllerRole.hub.name)),
            ProcessSupervisor.signal(hubRecord, SIGHUP)
        else {
            throw RemoteError(
                "the new token is installed on \(id) and in \(state.secrets.path), but no hub started by apply runs "
                    + "to take it; start it with smsctl apply")
        }
        log.step(id, "old token revoked at the hub; waiting for the collector to reconnect with the new one")
        let delivering = await Poll.until(within: deliveryDeadline, every: .milliseconds(500)) { () -> Bool? in
            guard let now = try? await streamStarts(ssh, layout, record.supervisor), now > sessions,
                let fleet = hub.machines(timeout: 1), let m = fleet.machines.first(where: { $0.id == id }),
                HubClient.isStreaming(m, serverTimeMs: fleet.serverTimeMs)
            else { return nil }
            return true
        }
        guard delivering != nil else {
            throw RemoteError(
                "the new token is in place but \(id)'s collector is not delivering yet; its buffer keeps its samples: "
                    + "see smsctl status, then run smsctl apply")
        }
        log.done(id, "token rotated; the old one is refused, the collector delivers with the new one")
    }

    /// How many streams the collector has opened so far, from its log ("streaming to the hub" lines).
    func streamStarts(_ ssh: SSHClient, _ layout: RemoteLayout, _ supervisor: RemoteLayout.Supervisor) async throws -> Int {
        let r = try await ssh.run(
            RemoteSteps.logs(layout, supervisor) + " | grep -c 'streaming to the hub' || true", timeout: .seconds(15))
        return Int(r.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }
}
