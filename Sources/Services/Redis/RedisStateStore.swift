import SMSCore
import Foundation
import NIOCore

/// The current state in Redis, shared by every aggregator and gateway of one namespace.
///
/// Layout (see ``RedisStateKeys``): one hash per machine, `sms:<namespace>:machine:<id>`, whose fields are the
/// ``MachineState`` properties (`connected` "1"/"0", `lastSeenMs`, `lastSampleMs`, `lastSeq`, `lagMs`, `clockOffsetMs`,
/// `agentVersion`, `specHash`, `backlog`, `samplesPerSecond`, `top` as JSON) plus one `v:<series>` field per
/// series, each expiring `ttl` after the last write so departed machines age out; and a sorted set
/// `sms:<namespace>:machines` of machine ids scored by last-seen ms, for listing.
///
/// Writes are fire-and-forget (``RedisClient/enqueue(_:)-swift.method``, one write per call) so an outage never
/// blocks or fails the aggregator. A batch is applied by a Lua script that compares its sample time with the
/// stored one, so a replayed older batch never moves "latest" values back, whichever aggregator wrote last.
public actor RedisStateStore: StateStore {
    public nonisolated let keys: RedisStateKeys
    private let client: RedisClient
    private let ttlMs: Int64
    /// Samples-per-second windows of the machines this process (aggregator) writes.
    private var rates: [String: SampleRateWindow] = [:]

    /// - Parameter ttl: how long a machine's hash outlives its last write.
    public init(client: RedisClient, namespace: String, ttl: Duration = .seconds(3600)) {
        self.client = client
        self.keys = RedisStateKeys(namespace: namespace)
        self.ttlMs = max(1, ttl.components.seconds * 1000 + ttl.components.attoseconds / 1_000_000_000_000_000)
    }

    public func record(_ batch: Batch, agentVersion: String?, specHash: String?, backlog: UInt64?, receivedMs: Int64) {
        let rate = rates[batch.machine, default: SampleRateWindow()].record(
            receivedMs: receivedMs, samples: batch.samples.count)
        var always: [RESPArg] = ["lastSeenMs", RESPArg(receivedMs), "connected", "1", "samplesPerSecond", "\(rate)"]
        if let agentVersion { always += ["agentVersion", RESPArg(agentVersion)] }
        if let specHash { always += ["specHash", RESPArg(specHash)] }
        if let backlog { always += ["backlog", RESPArg(backlog)] }
        if backlog == 0 { always += ["clockOffsetMs", RESPArg(batch.timestampMs - receivedMs)] }
        var latest: [RESPArg] = [
            "lastSampleMs", RESPArg(batch.timestampMs), "lagMs", RESPArg(max(0, receivedMs - batch.timestampMs)),
        ]
        if !batch.snapshot.top.isEmpty { latest += ["top", RESPArg(MachineStateFields.encodeTop(batch.snapshot.top))] }
        latest.reserveCapacity(latest.count + 2 * batch.samples.count)
        for sample in batch.samples {
            latest += [RESPArg(MachineStateFields.valuePrefix + sample.series.description), "\(sample.value)"]
        }
        let header: [RESPArg] = [
            "EVAL", RESPArg(RedisStateScripts.record), "2", RESPArg(keys.machine(batch.machine)),
            RESPArg(keys.machines),
            RESPArg(ttlMs), RESPArg(batch.machine), RESPArg(receivedMs), RESPArg(batch.timestampMs), RESPArg(batch.seq),
            RESPArg(always.count / 2),
        ]
        client.enqueue(header + always + latest)
        if let present = batch.containerSeries {
            client.enqueue(
                ["EVAL", RESPArg(RedisStateScripts.dropGoneContainers), "1", RESPArg(keys.machine(batch.machine)),
                 RESPArg(batch.timestampMs)] + present.sorted().map { RESPArg(MachineStateFields.valuePrefix + $0) })
        }
    }

    public func setConnected(_ machine: String, _ connected: Bool, atMs: Int64) {
        let key = RESPArg(keys.machine(machine))
        var fields: [RESPArg] = ["HSET", key, "connected", connected ? "1" : "0"]
        if connected { fields += ["lastSeenMs", RESPArg(atMs)] }
        // A disconnect keeps the machine's last-seen score (NX only adds it when missing).
        let listing: [RESPArg] =
            ["ZADD", RESPArg(keys.machines)] + (connected ? [] : ["NX"]) + [RESPArg(atMs), RESPArg(machine)]
        client.enqueue([fields, ["PEXPIRE", key, RESPArg(ttlMs)], listing])
    }

    public func setClockOffset(_ machine: String, _ offsetMs: Int64) {
        let key = RESPArg(keys.machine(machine))
        client.enqueue([["HSET", key, "clockOffsetMs", RESPArg(offsetMs)], ["PEXPIRE", key, RESPArg(ttlMs)]])
    }

    public func machine(_ id: String) async throws -> MachineState? {
        let reply = try await client.send(["HGETALL", RESPArg(keys.machine(id))])
        return MachineStateFields.state(id: id, reply)
    }

    /// The states of `ids` that exist, in one pipelined round trip (the gateway's per-flush refresh).
    public func machines(_ ids: [String]) async throws -> [String: MachineState] {
        Dictionary(try await read(ids).found.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every listed machine whose hash has not expired, by id; the expired ones are removed from the listing.
    public func all() async throws -> [MachineState] {
        let ids =
            try await client.send(["ZRANGE", RESPArg(keys.machines), "0", "-1"]).array?.compactMap(\.string) ?? []
        let (states, missing) = try await read(ids)
        if !missing.isEmpty {
            client.enqueue(
                ["EVAL", RESPArg(RedisStateScripts.prune), "1", RESPArg(keys.machines), RESPArg(keys.machinePrefix)]
                    + missing.map { RESPArg($0) })
        }
        return states.sorted { $0.id < $1.id }
    }

    /// The hashes of `ids` in one pipeline: the states found, and the ids without a hash (expired or never seen).
    private func read(_ ids: [String]) async throws -> (found: [MachineState], missing: [String]) {
        guard !ids.isEmpty else { return ([], []) }
        let replies = try await client.pipeline(ids.map { ["HGETALL", RESPArg(keys.machine($0))] })
        var found: [MachineState] = []
        var missing: [String] = []
        for (id, reply) in zip(ids, replies) {
            if let state = MachineStateFields.state(id: id, reply) { found.append(state) } else { missing.append(id) }
        }
        return (found, missing)
    }
}

/// The Redis keys of one namespace's current state.
public struct RedisStateKeys: Sendable, Equatable {
    public let namespace: String
    public init(namespace: String) { self.namespace = namespace }

    /// `sms:<namespace>:machine:`
    public var machinePrefix: String { "sms:\(namespace):machine:" }
    /// `sms:<namespace>:machine:<id>`: the machine's hash.
    public func machine(_ id: String) -> String { machinePrefix + id }
    /// `sms:<namespace>:machines`: sorted set of ids, scored by last-seen ms.
    public var machines: String { "sms:\(namespace):machines" }
}
