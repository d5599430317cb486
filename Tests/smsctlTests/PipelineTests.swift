import Collector
import Foundation
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SMSCore
import Testing

/// The metrics pipeline end to end: real collector and hub processes streaming over loopback gRPC.
@Suite("Pipeline", .serialized)
struct PipelineTests {
    @Test("a collector streams this machine's real samples into the hub's history")
    func streamsRealSamples() async throws {
        let deployment = try TempDeployment(machines: ["mcrn"])
        defer { deployment.remove() }
        let hub = try deployment.startHub()
        let collector = try deployment.startCollector("mcrn")
        defer {
            collector.crash()
            hub.crash()
        }
        let arrived = await waitFor(timeout: .seconds(20)) {
            try await deployment.history("mcrn", "cpu.usage_percent").count >= 3
        }
        #expect(arrived, "no cpu samples in history; hub log:\n\(hub.output)\ncollector log:\n\(collector.output)")
        let cpu = try await deployment.history("mcrn", "cpu.usage_percent")
        #expect(cpu.allSatisfy { (0...100).contains($0.1) }, "cpu outside 0–100: \(cpu)")
        let used = try await deployment.history("mcrn", "memory.used_bytes")
        let total = try await deployment.history("mcrn", "memory.total_bytes")
        #expect(!used.isEmpty && !total.isEmpty)
        #expect(zip(used, total).allSatisfy { $0.1 <= $1.1 && $0.1 > 0 }, "memory used above total")
        let state = try await deployment.machineState("mcrn")
        #expect(state?["connected"] as? Bool == true)
        #expect(state?["agentVersion"] as? String == SMSVersion.current)
        try await checkMetricsWithPromtool(deployment)
        await collector.stop()
        await hub.stop()
        #expect(hub.output.contains("hub stopped"), "hub did not stop gracefully:\n\(hub.output)")
    }

    @Test("the lean sms-collector streams on one worker thread, idle in between, and stops cleanly on SIGTERM")
    func leanCollectorThreadsAndStop() async throws {
        let deployment = try TempDeployment(machines: ["mcrn"])
        defer { deployment.remove() }
        let hub = try deployment.startHub()
        // Started once the hub answers: gRPC's reconnect backoff after a refused connection sleeps with
        // Task.sleep, which starts libdispatch's timer thread (see docs/benchmarks.md).
        let up = await waitFor(timeout: .seconds(20)) { (try? await deployment.get("/healthz", bearer: false)) != nil }
        #expect(up, "hub not healthy:\n\(hub.output)")
        let collector = try deployment.startLeanCollector("mcrn")
        defer {
            collector.crash()
            hub.crash()
        }
        let streaming = await waitFor(timeout: .seconds(20)) { deployment.ackedSeq("mcrn") >= 3 }
        #expect(streaming, "no acknowledged batch; collector log:\n\(collector.output)")
        // A second collector on the same buffer is refused: both would number batches alike.
        let second = try SMSProcess(["--spec", deployment.spec.path, "--machine", "mcrn"], log: deployment.log("second"),
                                    executable: SMSProcess.collectorBinary)
        let refused = await waitFor(timeout: .seconds(10)) { !second.isRunning }
        #expect(refused && second.process.terminationStatus != 0)
        #expect(second.output.contains("another collector is using the buffer") && second.output.contains("pid \(collector.pid)"),
                "second collector: \(second.output)")
        // Its threads: main (waiting for the end), the event loop that does all the work, and the signal waiter.
        // A libdispatch worker pool (started by Swift's global executor or a dispatch signal source) would add
        // threads and a monitor timer that wakes the process every second.
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(collector.pid)/task")) ?? []
        let names = tasks.map {
            ((try? String(contentsOfFile: "/proc/\(collector.pid)/task/\($0)/comm", encoding: .utf8)) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(names.count == 3, "threads: \(names)")
        #expect(!names.contains { $0.contains("qos") || $0.contains("dispatch") }, "libdispatch threads: \(names)")
        #expect(names.filter { $0.hasPrefix("NIO-") }.count == 1, "threads: \(names)")
        kill(collector.pid, SIGTERM)
        let exited = await waitFor(timeout: .seconds(10)) { !collector.isRunning }
        #expect(exited, "still running 10 s after SIGTERM")
        if exited {
            #expect(collector.process.terminationStatus == 0)
            #expect(collector.output.contains("collector stopped"), "no graceful stop:\n\(collector.output)")
        }
        await hub.stop()
    }

    /// `/metrics` of the live hub (aggregator, gateway and alerts metrics together) passes `promtool check metrics`.
    func checkMetricsWithPromtool(_ d: TempDeployment) async throws {
        let (data, _) = try await d.get("/metrics")
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("sms_samples_stored_total"))
        guard let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(where: FileManager.default.isExecutableFile) else {
            Issue.record("promtool is not installed (scripts/test installs Debian's prometheus package)")
            return
        }
        let check = try await offPool { try runTool(promtool, ["check", "metrics"], input: text) }
        #expect(check.status == 0, "promtool check metrics: \(check.output)")
    }

    @Test("the hub killed with SIGKILL for 10 s loses and duplicates nothing of two collectors")
    func hubCrashLosesNothing() async throws {
        let deployment = try TempDeployment(machines: ["alpha", "beta"])
        defer { deployment.remove() }
        var hub = try deployment.startHub()
        let alpha = try deployment.startCollector("alpha")
        let beta = try deployment.startCollector("beta")
        defer {
            alpha.crash()
            beta.crash()
            hub.crash()
        }
        for m in ["alpha", "beta"] {
            let streaming = await waitFor(timeout: .seconds(20)) {
                try await deployment.history(m, "memory.total_bytes").count >= 3
            }
            #expect(streaming, "\(m) is not streaming:\n\(hub.output)")
        }
        hub.crash()
        try await Task.sleep(for: .seconds(10))
        hub = try SMSProcess(["run", "hub", "--spec", deployment.spec.path, "--bind", "127.0.0.1"], log: deployment.log("hub2"))
        let restartedMs = Int64(Date().timeIntervalSince1970 * 1000)
        // Let both collectors replay their backlog and stream live for a while after the restart.
        for m in ["alpha", "beta"] {
            let caughtUp = await waitFor(timeout: .seconds(40)) {
                guard let s = try await deployment.machineState(m), s["connected"] as? Bool == true else { return false }
                return (s["backlog"] as? NSNumber)?.intValue == 0 && (s["lagMs"] as? NSNumber).map { $0.intValue < 3000 } == true
            }
            #expect(caughtUp, "\(m) did not catch up after the restart:\n\(hub.output)")
            let live = await waitFor(timeout: .seconds(20)) {
                (try await deployment.history(m, "memory.total_bytes").last?.0 ?? 0) > restartedMs + 3000
            }
            #expect(live, "\(m) is not streaming live after the restart")
        }
        // The hub acknowledges a live stream every few seconds (sms-ack-every-ms): the collectors' acknowledged
        // seq must catch up with what is stored, never pass it.
        let pace = Uplink.ackEveryMs / 1000 + 1
        for m in ["alpha", "beta"] {
            let acksCaughtUp = await waitFor(timeout: .seconds(Uplink.ackEveryMs / 1000 * 3)) {
                let stored = try await deployment.history(m, "memory.total_bytes").count
                return deployment.ackedSeq(m) >= 10 && stored - deployment.ackedSeq(m) <= pace
            }
            #expect(acksCaughtUp, "\(m): acknowledgements lag what is stored (acked \(deployment.ackedSeq(m)))")
        }
        await alpha.stop()
        await beta.stop()
        for m in ["alpha", "beta"] {
            let points = try await deployment.history(m, "memory.total_bytes")
            let stamps = points.map(\.0)
            #expect(Set(stamps).count == stamps.count, "\(m): duplicate timestamps stored")
            let span = Int((stamps.max()! - stamps.min()!) / 1000) + 1
            #expect(stamps.count == span, "\(m): \(span - stamps.count) of \(span) seconds missing")
            #expect(span >= 15, "\(m): only \(span) s of history; the outage was not covered")
            // Seqs start at 1, one per second: everything acknowledged is stored (the batches of the last
            // acknowledgement interval, and one or two in flight, may be stored without their acknowledgement).
            let acked = deployment.ackedSeq(m)
            #expect((acked...(acked + pace + 2)).contains(stamps.count),
                    "\(m): acknowledged up to seq \(acked) but \(stamps.count) batches stored")
        }
        await hub.stop()
    }
}
