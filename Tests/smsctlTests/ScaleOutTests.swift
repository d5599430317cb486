import Collector
import Foundation
import TestSupport
import Testing

/// The roles as separate processes over real Redis and PostgreSQL servers (throwaway, on loopback ports):
/// several aggregators behind one gateway and one alerts process, and outages of either server.
@Suite("scale-out: separate roles over Redis and PostgreSQL")
struct ScaleOutTests {
    /// A deployment whose hub keeps state in `redis` and history in a fresh database of `postgres`.
    static func deployment(
        machines: [String], redis: RedisServer, postgres: PostgresServer, extra: String = ""
    ) async throws -> TempDeployment {
        let history = try await postgres.createDatabase(PostgresServer.uniqueName("it"))
        return try TempDeployment(
            machines: machines, hub: ", state: \"\(redis.url)\", history: \"\(history)\"", extra: extra)
    }

    /// The gateway's view of one machine: connected with a sample newer than `after` (ms since the epoch).
    static func freshlySeen(_ d: TempDeployment, _ machine: String, after: Int64) async throws -> Bool {
        guard let m = try await d.machineState(machine), m["connected"] as? Bool == true else { return false }
        return ((m["lastSeenMs"] as? NSNumber)?.int64Value ?? 0) > after
    }

    /// Every stored second of `machine`: no duplicates, no hole, and what its collector saw acknowledged.
    static func expectComplete(_ d: TempDeployment, _ machine: String, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let stamps = try await d.history(machine, "memory.total_bytes").map(\.0)
        let acked = d.ackedSeq(machine)
        #expect(Set(stamps).count == stamps.count, "\(machine): duplicates stored", sourceLocation: sourceLocation)
        // The hub acknowledges every few seconds (sms-ack-every-ms): the batches of the last interval, and one or
        // two in flight, may be stored without the stopping collector having heard it.
        let pace = Uplink.ackEveryMs / 1000 + 1
        #expect((acked...(acked + pace + 2)).contains(stamps.count), "\(machine): acknowledged up to seq \(acked) but \(stamps.count) batches stored",
                sourceLocation: sourceLocation)
        let holes = zip(stamps, stamps.dropFirst()).filter { $1 - $0 > 2_500 }
        #expect(holes.isEmpty, "\(machine): history has holes \(holes)", sourceLocation: sourceLocation)
    }

    /// Waits until the machine's collector reports nothing left to replay and has heard the acknowledgement of
    /// what is stored (paced: up to one interval behind), so stopping it leaves at most that unacknowledged.
    static func waitDrained(_ d: TempDeployment, _ machine: String) async -> Bool {
        await waitFor(timeout: .seconds(30)) {
            guard let m = try await d.machineState(machine),
                (m["backlog"] as? NSNumber)?.intValue == 0, ((m["lagMs"] as? NSNumber)?.intValue ?? .max) < 3_000
            else { return false }
            let stored = try await d.history(machine, "memory.total_bytes").count
            return stored - d.ackedSeq(machine) <= Uplink.ackEveryMs / 1000 + 1
        }
    }

    static var nowMs: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    @Test("two aggregators, one gateway, one alerts process: every machine listed, alerts fire for both")
    func twoAggregators() async throws {
        let redis = try await RedisServer.launch()
        let postgres = try await PostgresServer.shared()
        let receiver = WebhookReceiver()
        try await receiver.serve { hook in
            let d = try await Self.deployment(
                machines: ["east", "west"], redis: redis, postgres: postgres,
                extra: """
                    alerts:
                      - name: memory_in_use
                        metric: memory.used_percent
                        warning: 0.01
                    notify:
                      - name: hook
                        webhook: \(hook)

                    """)
            defer { d.remove() }
            let westPort = try freePort()
            let east1 = try d.startRole("aggregator", ["--bind", "127.0.0.1"], logName: "aggregator-east")
            let west1 = try d.startRole(
                "aggregator", ["--bind", "127.0.0.1", "--grpc-port", "\(westPort)"], logName: "aggregator-west")
            let gateway = try d.startRole("gateway", ["--bind", "127.0.0.1"])
            let alerts = try d.startRole("alerts")
            let east = try d.startCollector("east", grpcPort: d.grpcPort)
            let west = try d.startCollector("west", grpcPort: westPort)
            let all = [east, west, east1, west1, gateway, alerts]
            defer { for p in all { p.crash() } }

            let start = Self.nowMs
            #expect(await waitFor(timeout: .seconds(40)) {
                let east = try await Self.freshlySeen(d, "east", after: start)
                let west = try await Self.freshlySeen(d, "west", after: start)
                return east && west
            }, "the gateway lists both aggregators' machines\n\(d.logTails())")
            for machine in ["east", "west"] {
                #expect(await waitFor(timeout: .seconds(20)) {
                    try await d.history(machine, "memory.total_bytes").count >= 3
                }, "\(machine)'s history is read back from PostgreSQL")
            }
            #expect(await waitFor(timeout: .seconds(40)) {
                Set(receiver.requests.compactMap { $0.json["machine"] }) == ["east", "west"]
            }, "the alerts process notified for both aggregators' machines")
            #expect(await waitFor(timeout: .seconds(20)) {
                let doc = try await d.json("/api/alerts") as? [String: Any]
                let machines = ((doc?["alerts"] as? [[String: Any]]) ?? []).compactMap { $0["machine"] as? String }
                return Set(machines) == ["east", "west"]
            }, "the gateway shows the alerts process's alerts")

            for machine in ["east", "west"] { #expect(await Self.waitDrained(d, machine)) }
            for p in [east, west] { await p.stop() }
            for machine in ["east", "west"] { try await Self.expectComplete(d, machine) }
            for p in [east1, west1, gateway, alerts] {
                await p.stop()
                #expect(p.process.terminationStatus == 0, "\(p.log.lastPathComponent) exited with \(p.process.terminationStatus)")
            }
        }
    }

    @Test("a gateway or alerts process alone is refused with the embedded backends, saying what to set")
    func separateRolesNeedSharedBackends() async throws {
        let d = try TempDeployment(machines: ["box"])
        defer { d.remove() }
        for role in ["gateway", "alerts"] {
            let process = try d.startRole(role, ["--log-level", "error"])
            #expect(await waitFor(timeout: .seconds(20)) { !process.isRunning })
            #expect(process.process.terminationStatus == 1)
            #expect(process.output.contains("set hub.state: redis://"), "\(role): \(process.output)")
        }
    }

    @Test("Redis stopped for 30 s: the aggregator keeps storing, nothing lost or duplicated, state back within 5 s")
    func redisOutage() async throws {
        let redis = try await RedisServer.launch()
        let d = try await Self.deployment(machines: ["box"], redis: redis, postgres: try await PostgresServer.shared())
        defer { d.remove() }
        let aggregator = try d.startRole("aggregator", ["--bind", "127.0.0.1"])
        let gateway = try d.startRole("gateway", ["--bind", "127.0.0.1"])
        let collector = try d.startCollector("box", grpcPort: d.grpcPort)
        defer { for p in [collector, aggregator, gateway] { p.crash() } }
        let start = Self.nowMs
        #expect(await waitFor(timeout: .seconds(40)) { try await Self.freshlySeen(d, "box", after: start) }, "\(d.logTails())")

        try await redis.stop()
        let ackedAtStop = d.ackedSeq("box")
        try await Task.sleep(for: .seconds(30))  // the outage itself
        #expect(aggregator.isRunning && gateway.isRunning)
        #expect(d.ackedSeq("box") >= ackedAtStop + 20, "batches kept being stored and acknowledged without Redis")

        try await redis.start()
        let back = Self.nowMs
        #expect(await waitFor(timeout: .seconds(5)) { try await Self.freshlySeen(d, "box", after: back) },
                "state written through Redis again within 5 s of its return\n\(d.logTails())")
        print("Redis outage: state current again \(Self.nowMs - back) ms after Redis returned")

        #expect(await Self.waitDrained(d, "box"), "the collector's backlog drains\n\(d.logTails())")
        await collector.stop()
        try await Self.expectComplete(d, "box")
        await aggregator.stop()
        #expect(aggregator.process.terminationStatus == 0)
    }

    @Test("PostgreSQL stopped for 30 s: the aggregator stays up, the live view keeps updating, nothing lost or duplicated, writes back within 5 s")
    func postgresOutage() async throws {
        let redis = try await RedisServer.launch()
        let postgres = try await PostgresServer.launch()  // its own server: stopping it must not disturb other tests
        let d = try await Self.deployment(machines: ["box"], redis: redis, postgres: postgres)
        defer { d.remove() }
        let aggregator = try d.startRole("aggregator", ["--bind", "127.0.0.1"])
        let gateway = try d.startRole("gateway", ["--bind", "127.0.0.1"])
        let collector = try d.startCollector("box", grpcPort: d.grpcPort)
        defer { for p in [collector, aggregator, gateway] { p.crash() } }
        #expect(await waitFor(timeout: .seconds(40)) { try await d.history("box", "memory.total_bytes").count >= 3 },
                "\(d.logTails())")

        try await postgres.stop()
        let stopped = Self.nowMs
        try await Task.sleep(for: .seconds(30))  // the outage itself
        #expect(aggregator.isRunning && gateway.isRunning)
        // The live view does not wait for history: the gateway kept showing new samples through the outage.
        #expect(try await Self.freshlySeen(d, "box", after: stopped + 25_000),
                "current state kept updating while PostgreSQL was down\n\(d.logTails())")
        try await postgres.start()
        let back = Self.nowMs
        // The graphs' gap fills: the outage's samples are in history within 5 s of PostgreSQL's return.
        func outageStored() async throws -> Int {
            try await d.history("box", "memory.total_bytes").filter { $0.0 > stopped + 1_000 && $0.0 < back }.count
        }
        #expect(await waitFor(timeout: .seconds(5)) { try await outageStored() >= 25 },
                "the outage's batches are written within 5 s of PostgreSQL's return\n\(d.logTails())")
        print("PostgreSQL outage: \((try? await outageStored()) ?? 0) of the outage's batches written \(Self.nowMs - back) ms after PostgreSQL returned")

        #expect(await Self.waitDrained(d, "box"), "the collector's backlog drains\n\(d.logTails())")
        await collector.stop()
        try await Self.expectComplete(d, "box")
        await aggregator.stop()
        #expect(aggregator.process.terminationStatus == 0)
    }
}
