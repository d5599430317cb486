import Spec

/// The embedded current state: every machine's latest values, in the hub's memory.
public actor MemoryStateStore: StateStore {
    private var machines: [String: MachineState] = [:]
    /// Samples per second over the last ~10 s, per machine.
    private var rates: [String: SampleRateWindow] = [:]

    public init() {}

    public func record(_ batch: Batch, agentVersion: String?, specHash: String?, backlog: UInt64?, receivedMs: Int64) {
        // Mutated in place: a copy would copy the machine's values on every batch.
        let rate = rates[batch.machine, default: SampleRateWindow()]
            .record(receivedMs: receivedMs, samples: batch.samples.count)
        update(batch.machine) { state in
            // A replayed old batch must not move "latest" values backwards in time.
            if (state.lastSampleMs ?? .min) <= batch.timestampMs {
                for sample in batch.samples { state.values[sample.series.description] = sample.value }
                if !batch.snapshot.top.isEmpty { state.top = batch.snapshot.top }
                state.lastSampleMs = batch.timestampMs
                state.lagMs = max(0, receivedMs - batch.timestampMs)
            }
            state.lastSeq = max(state.lastSeq ?? 0, batch.seq)
            state.lastSeenMs = receivedMs
            state.connected = true
            if let agentVersion { state.agentVersion = agentVersion }
            if let specHash { state.specHash = specHash }
            if let backlog { state.backlog = backlog }
            state.samplesPerSecond = rate
        }
    }

    private func update(_ machine: String, _ change: (inout MachineState) -> Void) {
        change(&machines[machine, default: MachineState(id: machine)])
    }

    public func setConnected(_ machine: String, _ connected: Bool, atMs: Int64) {
        var state = machines[machine] ?? MachineState(id: machine)
        state.connected = connected
        if connected { state.lastSeenMs = atMs }
        machines[machine] = state
    }

    public func machine(_ id: String) -> MachineState? { machines[id] }

    public func all() -> [MachineState] { machines.values.sorted { $0.id < $1.id } }
}
