import Foundation
import Testing

@testable import Collector
@testable import SMSCore
@testable import Spec
import TestSupport

/// The containers source on this machine's real cgroups: a cgroup of the test's own, with a process holding a known
/// amount of memory and spinning on a core, is reported with that memory and that CPU, and its series go away with
/// it. Only the test's own cgroup is read (an include pattern on its path).
@Suite("CollectorSources.containers.real", .enabled(if: TestCgroup.available))
struct CollectorSourcesContainerRealTests {
    static func collect(_ source: ContainerSource, at seconds: Double) throws -> Snapshot {
        var snapshot = Snapshot(timestampMs: 0, samples: [])
        try source.collect(into: &snapshot, context: SourceContext(monotonicSeconds: seconds, wallTimeMs: 0))
        return snapshot
    }

    @Test("a cgroup of the test's own: memory within 5 %, CPU within 10 points, no network of its own, gone when removed")
    func ownCgroup() async throws {
        let cgroup = try await offPool { try TestCgroup(megabytes: 160) }
        var removed = false
        defer { if !removed { cgroup.remove() } }
        let label = ["container": cgroup.path]
        let source = ContainerSource(selection: ContainerSelection(include: [cgroup.path]))

        let cpuBefore = try #require(cgroup.cpuSeconds())
        let t1 = Sampler.monotonicNow()
        _ = try Self.collect(source, at: t1)
        #expect(source.readNames == [cgroup.path])
        try await Task.sleep(for: .seconds(2))
        let t2 = Sampler.monotonicNow()
        let second = try Self.collect(source, at: t2)
        let cpuAfter = try #require(cgroup.cpuSeconds())
        let anonymous = try #require(cgroup.anonymousBytes())

        // The process's own CPU time over the same span, from its /proc/PID/stat (it got what the shared cores gave).
        let expectedCPU = (cpuAfter - cpuBefore) / (t2 - t1) * 100
        let cpu = try #require(second.sampled("container.cpu_percent", label))
        #expect(expectedCPU > 5, "the spinner hardly ran (\(expectedCPU) %)")
        #expect(abs(cpu - expectedCPU) <= 10, "reported \(cpu) % of a core, the process used \(expectedCPU) %")

        let memory = try #require(second.sampled("container.memory_bytes", label))
        #expect(anonymous >= 160 * 1_048_576)
        #expect(abs(memory - anonymous) <= 0.05 * anonymous, "reported \(memory) bytes, the process holds \(anonymous)")
        #expect(second.sampled("container.pids", label) == 1)
        #expect((second.sampled("container.memory_limit_bytes", label) ?? 0) > memory)
        // Its process shares the collector's network namespace: that traffic is the machine's, not the container's.
        #expect(second.sampled("container.net_rx_bytes_per_second", label) == nil)

        try await offPool { cgroup.remove() }
        removed = true
        // The next walk (3 s on) no longer finds it: its series stop.
        let gone = try Self.collect(source, at: t2 + 3)
        #expect(source.readNames.isEmpty)
        #expect(gone.samples.allSatisfy { $0.series.labels["container"] != cgroup.path })
    }
}
