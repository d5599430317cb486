import Foundation
import NIOCore
import Controller
import SMSCore
import Services
import TestSupport
import Testing

/// The Redis current-state store, held against the in-memory one fed the same calls.
@Suite("Redis.StateStore", .timeLimit(.minutes(1)))
struct RedisStoreTests {
    static func batch(_ machine: String, seq: UInt64, atMs: Int64, value: Double, top: [TopProcess] = []) -> Batch {
        let samples = [
            Sample("cpu.usage_percent", value), Sample("disk.used_percent", ["mount": "/"], value * 2),
            Sample("net.rx_bytes_per_second", ["interface": "eth0"], -0.0), Sample("temp.celsius", .infinity),
        ]
        return Batch(machine: machine, seq: seq, snapshot: Snapshot(timestampMs: atMs, samples: samples, top: top))
    }

    /// The same calls on a RedisStateStore and a MemoryStateStore.
    struct Twins {
        let redis: any StateStore
        let memory: any StateStore = MemoryStateStore()

        func record(
            _ batch: Batch, agentVersion: String? = "1.2.3", specHash: String? = "abc", backlog: UInt64? = 0,
            receivedMs: Int64
        ) async throws {
            try await redis.record(
                batch, agentVersion: agentVersion, specHash: specHash, backlog: backlog, receivedMs: receivedMs)
            try await memory.record(
                batch, agentVersion: agentVersion, specHash: specHash, backlog: backlog, receivedMs: receivedMs)
        }

        func setConnected(_ machine: String, _ connected: Bool, atMs: Int64) async throws {
            try await redis.setConnected(machine, connected, atMs: atMs)
            try await memory.setConnected(machine, connected, atMs: atMs)
        }

        func expectSame() async throws {
            let fromRedis = try await redis.all()
            let fromMemory = try await memory.all()
            #expect(fromRedis == fromMemory)
            for state in fromMemory { #expect(try await redis.machine(state.id) == state) }
        }
    }

    @Test("recorded batches, metadata and connection changes read back as the in-memory store has them")
    func roundTrip() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(url: redis.url) { client in
            let twins = Twins(redis: RedisStateStore(client: client, namespace: "t"))
            let top = [TopProcess(pid: 42, name: "postgres", cpuPercent: 12.5, memoryBytes: 1 << 30)]
            try await twins.record(Self.batch("alpha", seq: 1, atMs: 1_000, value: 1.5, top: top), receivedMs: 1_100)
            try await twins.record(Self.batch("alpha", seq: 2, atMs: 2_000, value: 2.5), backlog: 3, receivedMs: 2_050)
            try await twins.record(Self.batch("alpha", seq: 3, atMs: 3_000, value: 1.0 / 3.0), receivedMs: 3_400)
            try await twins.record(
                Self.batch("beta", seq: 9, atMs: 5_000, value: 7), agentVersion: nil, specHash: nil, backlog: nil,
                receivedMs: 5_000)
            try await twins.setConnected("beta", false, atMs: 6_000)
            try await twins.setConnected("gamma", true, atMs: 7_000)
            try await twins.expectSame()
            let alpha = try #require(try await twins.redis.machine("alpha"))
            #expect(alpha.top == top)
            #expect(alpha.values["net.rx_bytes_per_second{interface=\"eth0\"}"]?.sign == .minus)
            #expect(alpha.samplesPerSecond > 0)
            #expect(try await twins.redis.machine("nobody") == nil)
        }
    }

    @Test("a container that is gone leaves the current values of both stores alike")
    func goneContainersLeaveBothStores() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(url: redis.url) { client in
            let twins = Twins(redis: RedisStateStore(client: client, namespace: "c"))
            try await twins.record(MemoryStateContainersTests.batch(seq: 1, containers: ["web", "db"]), receivedMs: 1_100)
            try await twins.record(MemoryStateContainersTests.batch(seq: 2, containers: ["db"]), receivedMs: 2_100)
            try await twins.expectSame()
            let values = try #require(try await twins.redis.machine("mcrn")).values
            #expect(values.keys.filter { $0.hasPrefix("container.") } == [#"container.memory_bytes{container="db"}"#])
        }
    }

    @Test("a replayed older batch does not move the latest values back in time")
    func replayKeepsLatest() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(url: redis.url) { client in
            let twins = Twins(redis: RedisStateStore(client: client, namespace: "t"))
            try await twins.record(Self.batch("alpha", seq: 10, atMs: 10_000, value: 10), receivedMs: 10_010)
            try await twins.record(Self.batch("alpha", seq: 4, atMs: 4_000, value: 4), backlog: 6, receivedMs: 10_500)
            try await twins.record(Self.batch("alpha", seq: 10, atMs: 10_000, value: 99), receivedMs: 10_600)
            try await twins.expectSame()
            let alpha = try #require(try await twins.redis.machine("alpha"))
            #expect(alpha.values["cpu.usage_percent"] == 99)
            #expect(alpha.lastSampleMs == 10_000)
            #expect(alpha.lastSeq == 10)
            #expect(alpha.lastSeenMs == 10_600)
        }
    }

    @Test("a machine that stops reporting ages out of all() and of the listing")
    func expiry() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(url: redis.url) { client in
            // Long enough that a loaded machine still sees the machine before it expires.
            let store: any StateStore = RedisStateStore(client: client, namespace: "t", ttl: .seconds(6))
            try await store.record(
                Self.batch("gone", seq: 1, atMs: 1, value: 1), agentVersion: nil, specHash: nil, backlog: nil,
                receivedMs: 2)
            #expect(try await store.all().map(\.id) == ["gone"])
            #expect(await waitUntil(timeout: .seconds(15)) { try await store.all().isEmpty })
            #expect(
                await waitUntil(timeout: .seconds(5)) {
                    try await client.send(["ZCARD", "sms:t:machines"]) == .integer(0)
                })
        }
    }

    @Test("two aggregators with their own clients share one view of the fleet")
    func twoAggregators() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(url: redis.url) { east in
            try await withRedisClient(url: redis.url) { west in
                let eastStore: any StateStore = RedisStateStore(client: east, namespace: "fleet")
                let westStore: any StateStore = RedisStateStore(client: west, namespace: "fleet")
                try await eastStore.record(
                    Self.batch("e1", seq: 1, atMs: 1, value: 1), agentVersion: nil, specHash: nil, backlog: nil,
                    receivedMs: 2)
                try await westStore.record(
                    Self.batch("w1", seq: 1, atMs: 1, value: 2), agentVersion: nil, specHash: nil, backlog: nil,
                    receivedMs: 2)
                for store in [eastStore, westStore] {
                    #expect(await waitUntil(timeout: .seconds(5)) { try await store.all().map(\.id) == ["e1", "w1"] })
                }
                let many = try await eastStore.machines(["w1", "e1", "nobody"])
                #expect(Set(many.keys) == ["e1", "w1"] && many["w1"]?.values["cpu.usage_percent"] == 2)
                let other = RedisStateStore(client: east, namespace: "other")
                #expect(try await other.all().isEmpty)
            }
        }
    }

    @Test("writes during an outage neither block nor fail, and land once Redis is back")
    func writesDuringOutage() async throws {
        let redis = try await RedisServer.launch()
        var configuration = try RedisConfiguration(url: redis.url)
        configuration.replyTimeout = .seconds(1)
        try await withRedisClient(configuration) { client in
            let store: any StateStore = RedisStateStore(client: client, namespace: "t")
            #expect(await waitUntil(timeout: .seconds(10)) { client.isConnected })
            _ = try await store.all()
            try await redis.stop()
            #expect(await waitUntil(timeout: .seconds(5)) { !client.isConnected })
            let started = ContinuousClock.now
            for seq in 1...50 as ClosedRange<UInt64> {
                try await store.record(
                    Self.batch("alpha", seq: seq, atMs: Int64(seq) * 1000, value: Double(seq)), agentVersion: nil,
                    specHash: nil, backlog: nil, receivedMs: Int64(seq) * 1000)
            }
            try await store.setConnected("alpha", false, atMs: 60_000)
            #expect(ContinuousClock.now - started < .seconds(3), "writes waited for Redis")
            await #expect(throws: RedisError.self) { try await store.all() }
            try await redis.start()
            #expect(await waitUntil(timeout: .seconds(5)) { try await store.machine("alpha")?.lastSeq == 50 })
            let alpha = try #require(try await store.machine("alpha"))
            #expect(alpha.values["cpu.usage_percent"] == 50)
            #expect(alpha.connected == false)
        }
    }

    @Test("the factory gives in-memory backends for embedded and Redis ones for a URL")
    func factory() async throws {
        let embedded = try LiveBackends.make(.embedded, namespace: "t", logger: testLogger)
        #expect(embedded.state is MemoryStateStore)
        #expect(embedded.bus is LocalEventBus)
        #expect(embedded.services.isEmpty)
        let redis = try await RedisServer.launch()
        let backends = try LiveBackends.make(.redis(url: redis.url), namespace: "t", logger: testLogger)
        #expect(backends.state is RedisStateStore)
        #expect(backends.bus is RedisEventBus)
        let client = try #require(backends.redis)
        #expect(backends.services.count == 1)
        try await withRunning(client) {
            try await backends.state.setConnected("m", true, atMs: 5)
            #expect(try await backends.state.all().map(\.id) == ["m"])
        }
        #expect(throws: RedisError.self) {
            try LiveBackends.make(.redis(url: "redis://:pw@host/x"), namespace: "t", logger: testLogger)
        }
    }
}
