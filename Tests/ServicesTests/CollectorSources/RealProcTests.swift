import Foundation
import Logging
import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// Tests over this machine's own /proc, serialized because they count the /proc/[pid]/stat files held open.
@Suite("CollectorSources.realProc", .serialized)
struct CollectorSourcesRealProcTests {
    @Test func samplingThisMachineTwiceIsPlausible() async throws {
        var sampler = Sampler(groups: MetricGroup.allCases, logger: Logger(label: "test"))
        _ = sampler.sample(nowMs: 0)
        try await Task.sleep(for: .milliseconds(300))
        let snapshot = sampler.sample(nowMs: 300)
        let success = snapshot.sampled("collector.source_success", by: "source")
        #expect(success.count == MetricGroup.allCases.count)
        #expect(success.values.allSatisfy { $0 == 1 }, "\(success)")
        let cpu = try #require(snapshot.sampled("cpu.usage_percent"))
        #expect((0...100).contains(cpu))
        let total = try #require(snapshot.sampled("memory.total_bytes"))
        #expect(try #require(snapshot.sampled("memory.used_bytes")) <= total)
        #expect(!snapshot.sampled("disk.total_bytes", by: "mount").isEmpty)
        #expect(try #require(snapshot.sampled("system.processes")) > 1)
        #expect(!snapshot.top.isEmpty)
        #expect(snapshot.top.allSatisfy { $0.cpuPercent >= 0 && !$0.name.isEmpty })
    }

    @Test func topKeepsProcessFilesOpenUpToItsLimitAndClosesThemWhenReleased() throws {
        let before = Self.openProcessStatFiles()
        do {
            let source = TopSource(maxOpenFiles: 5)
            var snapshot = Snapshot(timestampMs: 0, samples: [])
            for second in 0..<3 {
                let context = SourceContext(monotonicSeconds: Double(second), wallTimeMs: 0)
                try source.collect(into: &snapshot, context: context)
            }
            #expect(Self.openProcessStatFiles() == before + 5)
            #expect(!snapshot.top.isEmpty)
        }
        #expect(Self.openProcessStatFiles() == before)
    }

    @Test func topRefreshesEveryFewSecondsNotEveryTick() throws {
        let source = TopSource(every: 2)
        var lists: [[TopProcess]] = []
        for second in 0..<5 {
            var snapshot = Snapshot(timestampMs: 0, samples: [])
            try source.collect(into: &snapshot, context: SourceContext(monotonicSeconds: Double(second), wallTimeMs: 0))
            lists.append(snapshot.top)
        }
        // 0: first reading (nothing to compare yet); 1: the first list; 2: skipped; 3: a list 2 s later; 4: skipped.
        #expect(lists.map(\.isEmpty) == [true, false, true, false, true])
    }

    @Test func aSleepingProcessCostsNoStatReadAndABusyOneIsMeasured() async throws {
        let busy = try Self.child("while :; do :; done")
        let sleeper = try Self.child("exec sleep 60")
        defer {
            for process in [busy, sleeper] where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        let (lists, statReads) = try await Self.threeWalks()
        // The first walk reads every process; later ones only those that ran: the busy child, not the sleeper.
        #expect(statReads[0].contains(sleeper.processIdentifier))
        #expect(!statReads[2].contains(sleeper.processIdentifier))
        #expect(statReads[2].contains(busy.processIdentifier))
        let busyRow = try #require(lists[2].first { $0.pid == busy.processIdentifier })
        // A spinning shell gets well over 5 % of a core even on a loaded machine; one not measured would show 0.
        #expect(busyRow.cpuPercent > 5 && busyRow.name == "sh")
    }

    @Test func aProcessWhoseMainThreadWaitsIsMeasuredByAllItsThreads() async throws {
        // A server's shape: the main thread waits while a worker thread runs. schedstat sees only the main thread.
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = [
            "python3", "-c",
            "import threading\ndef work():\n    while True: pass\nt = threading.Thread(target=work, daemon=True)\nt.start()\nt.join()",
        ]
        try server.run()
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let (lists, statReads) = try await Self.threeWalks()
        #expect(statReads[2].contains(server.processIdentifier))
        let row = try #require(lists[2].first { $0.pid == server.processIdentifier })
        #expect(row.cpuPercent > 5 && row.name.hasPrefix("python3"), "read from schedstat it would be 0")
    }

    /// Three walks of this machine's /proc 0.3 s apart: each one's list, and the processes whose stat it read.
    private static func threeWalks() async throws -> (lists: [[TopProcess]], statReads: [Set<Int32>]) {
        let source = TopSource(every: 0)
        var lists: [[TopProcess]] = []
        var statReads: [Set<Int32>] = []
        let start = ProcessInfo.processInfo.systemUptime
        for _ in 0..<3 {
            try await Task.sleep(for: .milliseconds(300))
            var snapshot = Snapshot(timestampMs: 0, samples: [])
            let now = ProcessInfo.processInfo.systemUptime - start
            try source.collect(into: &snapshot, context: SourceContext(monotonicSeconds: now, wallTimeMs: 0))
            lists.append(snapshot.top)
            statReads.append(source.statReadPids)
        }
        return (lists, statReads)
    }

    /// A child `sh -c script`, started.
    private static func child(_ script: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        return process
    }

    /// How many of this process's descriptors are open on a /proc/[pid]/stat or /proc/[pid]/schedstat file.
    private static func openProcessStatFiles() -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.filter { fd in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)") else {
                return false
            }
            return target.hasPrefix("/proc/") && (target.hasSuffix("/stat") || target.hasSuffix("/schedstat"))
                && target.split(separator: "/").count == 3
        }.count
    }
}
