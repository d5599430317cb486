import SMSCore

/// Reading many machines at once: the gateway refreshes every changed machine each flush; a remote store (Redis)
/// overrides this to answer them all in one pipelined round trip instead of one per machine.
extension StateStore {
    public func machines(_ ids: [String]) async throws -> [String: MachineState] {
        var out: [String: MachineState] = [:]
        for id in ids { if let state = try await machine(id) { out[id] = state } }
        return out
    }
}
