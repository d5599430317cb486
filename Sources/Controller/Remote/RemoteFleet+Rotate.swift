import Foundation
import SMSCore
import Spec

extension RemoteFleet {
    /// Gives a managed machine a new token without losing a sample: the new token is installed on the machine
    /// first (the running collector keeps its stream), then it replaces the old one at the hub (which reads a
    /// machine's token at each stream's start, so the old one is refused from then on), then the collector restarts
    /// with it and replays from its durable buffer whatever it sampled meanwhile.
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
        try MachineTokens.write(token, to: state.secrets.appendingPathComponent("\(id).token"))
        log.step(id, "old token revoked at the hub; restarting the collector with the new one")
        try await step(ssh, RemoteSteps.start(layout, record.supervisor), input: nil, "restart the collector")
        let expected = spec.collectorConfigHash(machine)
        let started = Int64(Date().timeIntervalSince1970 * 1000)
        let delivering = await Poll.until(within: deliveryDeadline, every: .milliseconds(250)) { () -> Bool? in
            guard let fleet = hub.machines(timeout: 1), let m = fleet.machines.first(where: { $0.id == id }),
                HubClient.isStreaming(m, serverTimeMs: fleet.serverTimeMs), m.configHash == expected,
                (m.lastSeenMs ?? 0) > started
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
}
