import Benchmark
import Collector
import Controller
import Foundation
import Logging
import SMSCore
import Services
import Spec
import SwiftProtobuf

/// The hot paths of sms, each measured per operation with instruction and allocation counts (stable across
/// runs, unlike wall time on a shared machine):
/// - a collector tick: every /proc source parsed (a captured /proc tree, so the count does not depend on this host);
/// - a batch of 40 series encoded for the wire and serialized, then parsed and decoded at the hub;
/// - history append: 100 batches × 40 series into the embedded store (one group commit), in steady state.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.instructions, .mallocCountTotal, .cpuTotal, .wallClock, .throughput],
        warmupIterations: 10,
        maxDuration: .seconds(5),
        maxIterations: 100_000
    )
    let logger = Logger(label: "bench")

    Benchmark("collector tick: parse /proc (captured tree, all groups)") { benchmark in
        var sampler = Sampler(
            groups: MetricGroup.allCases, procRoot: Fixtures.proc, sysRoot: Fixtures.sys, logger: logger)
        _ = sampler.sample(nowMs: 0)  // counters need a previous reading
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations { blackHole(sampler.sample(nowMs: Int64(i + 1) * 1000)) }
        benchmark.stopMeasurement()  // before the fixtures are released at the end of the closure
    }

    // Made once: building (and releasing) 1,000 batches in every run cost more than what is measured, and
    // page faults from it leaked into the measured part.
    let batches: [Batch] = {
        var machine = SimulatedMachine(index: 1, metrics: 40)
        return (0..<1000).map {
            Batch(machine: "sim-0001", seq: UInt64($0 + 1),
                  snapshot: Snapshot(timestampMs: Int64($0) * 1000, samples: machine.tick()))
        }
    }()

    Benchmark("wire: encode + serialize one batch (40 series)") { benchmark in
        var encoder = StreamEncoder(machine: "sim-0001", agentVersion: "bench", specHash: "0")
        _ = encoder.encode(batches[0])  // series declared once per stream, as in steady state
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            blackHole(try encoder.encode(batches[1 + i % 999]).serializedBytes() as [UInt8])
        }
        benchmark.stopMeasurement()
    }

    let wire: (first: Sms_V1_Batch, rest: [[UInt8]]) = {
        var encoder = StreamEncoder(machine: "sim-0001", agentVersion: "bench", specHash: "0")
        let first = encoder.encode(batches[0])
        return (first, batches.dropFirst().map { try! encoder.encode($0).serializedBytes() })
    }()

    Benchmark("wire: parse + decode one batch (40 series)") { benchmark in
        var decoder = StreamDecoder(machine: "sim-0001")
        _ = try decoder.decode(wire.first)
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            let message = try Sms_V1_Batch(serializedBytes: wire.rest[i % wire.rest.count])
            blackHole(try decoder.decode(message))
        }
        benchmark.stopMeasurement()
    }

    // Steady state: the store, its 100 machines and their series exist (made in `setup`, once), and every
    // iteration appends each machine's next batch, as the committer's group commit does every second. Sealing is
    // included, spread as in a hub (each machine's first block ends at its own point).
    let appendFixture = AppendFixture()
    Benchmark(
        "history append: 100 batches × 40 series, embedded store",
        configuration: .init(maxDuration: .seconds(10), maxIterations: 2_000),
        closure: { benchmark in
            let batches = appendFixture.nextBatches()
            benchmark.startMeasurement()
            blackHole(try await appendFixture.store!.append(batches))
            benchmark.stopMeasurement()
        },
        setup: { try await appendFixture.open(logger: logger) },
        teardown: { try await appendFixture.close() })
}

/// The embedded store the append benchmark writes to, kept across its iterations.
final class AppendFixture: @unchecked Sendable {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sms-bench-\(UUID().uuidString)")
    var store: SQLiteHistoryStore?
    var machines = (0..<100).map { SimulatedMachine(index: $0, metrics: 40) }
    var seq: UInt64 = 0

    func open(logger: Logger) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try await SQLiteHistoryStore.open(path: directory.appendingPathComponent("h.sqlite").path, logger: logger)
        try await store!.append(nextBatches())  // machines and series created: not part of the steady state
    }

    func nextBatches() -> [Batch] {
        seq += 1
        return machines.indices.map { m in
            Batch(machine: "sim-\(m)", seq: seq, snapshot: Snapshot(timestampMs: Int64(seq) * 1000, samples: machines[m].tick()))
        }
    }

    func close() async throws {
        try await store?.close()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// The captured /proc and /sys trees of the test fixtures.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tests/ServicesTests/Fixtures")
    static let proc = root.appendingPathComponent("proc/real").path
    static let sys = root.appendingPathComponent("proc/sysfs").path
}
