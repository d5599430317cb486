import SMSCore
import Spec

/// What the hub knows right now about one machine: the fleet view's card and `smsctl status`'s row.
public struct MachineState: Sendable, Equatable, Codable {
    public var id: String
    public var connected: Bool
    /// Wall-clock ms when the last batch arrived at the hub.
    public var lastSeenMs: Int64?
    /// Sample timestamp of the newest batch.
    public var lastSampleMs: Int64?
    public var lastSeq: UInt64?
    /// Hub arrival time minus sample time of the newest batch.
    public var lagMs: Int64?
    /// How far the machine's clock is ahead of the hub's (negative: behind), within the network's delay: from
    /// its newest live batch (nothing left to replay), or from a batch refused for its time.
    public var clockOffsetMs: Int64?
    public var agentVersion: String?
    public var specHash: String?
    /// Batches the collector still holds unacknowledged, as it last reported.
    public var backlog: UInt64?
    public var samplesPerSecond: Double
    /// Latest value of every series, keyed by `SeriesKey.description`.
    public var values: [String: Double]
    public var top: [TopProcess]

    public init(id: String) {
        self.id = id
        connected = false
        samplesPerSecond = 0
        values = [:]
        top = []
    }
}

/// Something live consumers (gateway, alerts, edges) react to.
public enum LiveEvent: Sendable, Equatable {
    /// A batch was stored (not a replayed duplicate).
    case batch(Batch)
    /// A collector stream opened or closed.
    case connection(machine: String, connected: Bool, atMs: Int64)
}

/// Current state per machine: in memory, or in Redis. The aggregator writes it; gateways and `status` read it.
public protocol StateStore: Sendable {
    func record(_ batch: Batch, agentVersion: String?, specHash: String?, backlog: UInt64?, receivedMs: Int64) async throws
    func setConnected(_ machine: String, _ connected: Bool, atMs: Int64) async throws
    /// Records the machine's clock offset when no batch carries it (one refused for its time).
    func setClockOffset(_ machine: String, _ offsetMs: Int64) async throws
    func machine(_ id: String) async throws -> MachineState?
    /// The states of `ids` that exist, by id (one round trip where the store is remote).
    func machines(_ ids: [String]) async throws -> [String: MachineState]
    func all() async throws -> [MachineState]
}

/// Fan-out of live events from aggregators to gateways and alerts: in-process, or Redis pub/sub.
public protocol EventBus: Sendable {
    func publish(_ event: LiveEvent) async
    /// A stream of every event published after the call; a slow subscriber loses the oldest, never blocks publishers.
    func subscribe(bufferSize: Int) -> AsyncStream<LiveEvent>
}
