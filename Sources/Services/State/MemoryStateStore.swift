import SMSCore
import Spec
import Synchronization

/// The embedded current state: every machine's latest values, in the hub's memory.
///
/// A lock, not an actor: every batch records here on its way in, and in a burst of thousands of batches an actor
/// hop per batch (and per dashboard read) queues behind all of them, which showed as dashboard latency.
public final class MemoryStateStore: StateStore {
    private struct Book {
        var machines: [String: MachineState] = [:]
        /// Samples per second over the last ~10 s, per machine.
        var rates: [String: SampleRateWindow] = [:]
    }

    private let book = Mutex(Book())

    public init() {}

    public func record(_ batch: Batch, agentVersion: String?, specHash: String?, backlog: UInt64?, receivedMs: Int64) {
        book.withLock { book in
            let rate = book.rates[batch.machine, default: SampleRateWindow()]
                .record(receivedMs: receivedMs, samples: batch.samples.count)
            // Mutated in place: a copy would copy the machine's values on every batch.
            Self.update(&book.machines[batch.machine, default: MachineState(id: batch.machine)]) { state in
                // A replayed old batch must not move "latest" values backwards in time.
                if (state.lastSampleMs ?? .min) <= batch.timestampMs {
                    for sample in batch.samples { state.values[sample.series.description] = sample.value }
                    Self.dropGoneContainers(&state.values, batch)
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
                if backlog == 0 { state.clockOffsetMs = batch.timestampMs - receivedMs }
                state.samplesPerSecond = rate
            }
        }
    }

    private static func update(_ state: inout MachineState, _ change: (inout MachineState) -> Void) { change(&state) }

    /// Drops the values of containers that are gone (see `Batch.containerSeries`).
    static func dropGoneContainers(_ values: inout [String: Double], _ batch: Batch) {
        guard let present = batch.containerSeries else { return }
        let gone = values.keys.filter { $0.hasPrefix("container.") && !present.contains($0) }
        for key in gone { values[key] = nil }
    }

    public func setConnected(_ machine: String, _ connected: Bool, atMs: Int64) {
        book.withLock { book in
            Self.update(&book.machines[machine, default: MachineState(id: machine)]) { state in
                state.connected = connected
                if connected { state.lastSeenMs = atMs }
            }
        }
    }

    public func setClockOffset(_ machine: String, _ offsetMs: Int64) {
        book.withLock { book in
            Self.update(&book.machines[machine, default: MachineState(id: machine)]) { $0.clockOffsetMs = offsetMs }
        }
    }

    public func machine(_ id: String) -> MachineState? { book.withLock { $0.machines[id] } }

    public func machines(_ ids: [String]) -> [String: MachineState] {
        book.withLock { book in
            var found: [String: MachineState] = [:]
            found.reserveCapacity(ids.count)
            for id in ids { if let state = book.machines[id] { found[id] = state } }
            return found
        }
    }

    public func all() -> [MachineState] { book.withLock { $0.machines.values }.sorted { $0.id < $1.id } }
}
