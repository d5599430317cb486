import Testing

@testable import SMSCore
@testable import Services

/// A container that is gone leaves the machine's current values with the first batch that lacks it.
@Suite("State.containers")
struct MemoryStateContainersTests {
    static func batch(seq: UInt64, containers: [String], readsContainers: Bool = true) -> Batch {
        var samples = [Sample("cpu.usage_percent", 10)]
        for name in containers { samples.append(Sample("container.memory_bytes", ["container": name], 1_048_576)) }
        if readsContainers { samples.append(Sample("collector.source_success", ["source": "containers"], 1)) }
        return Batch(machine: "mcrn", seq: seq, snapshot: Snapshot(timestampMs: Int64(seq) * 1000, samples: samples))
    }

    static func containers(_ store: MemoryStateStore) async throws -> Set<String> {
        let values = try await store.machine("mcrn")?.values ?? [:]
        return Set(values.keys.filter { $0.hasPrefix("container.") })
    }

    @Test("the series of a removed container disappear from the current values; other series stay")
    func goneContainersLeave() async throws {
        let store = MemoryStateStore()
        store.record(Self.batch(seq: 1, containers: ["web", "db"]), agentVersion: nil, specHash: nil, backlog: nil, receivedMs: 1000)
        #expect(try await Self.containers(store).count == 2)
        store.record(Self.batch(seq: 2, containers: ["db"]), agentVersion: nil, specHash: nil, backlog: nil, receivedMs: 2000)
        #expect(try await Self.containers(store) == [#"container.memory_bytes{container="db"}"#])
        #expect(try await store.machine("mcrn")?.values["cpu.usage_percent"] == 10)
        // A batch from a collector that does not read containers (an older one) leaves them alone.
        store.record(Self.batch(seq: 3, containers: [], readsContainers: false), agentVersion: nil, specHash: nil, backlog: nil, receivedMs: 3000)
        #expect(try await Self.containers(store).count == 1)
    }
}
