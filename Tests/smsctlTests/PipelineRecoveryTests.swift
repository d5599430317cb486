import Collector
import Foundation
import Testing

/// Recovery paths of the pipeline: spec reload, a crashed collector, TLS.
@Suite("Pipeline.Recovery", .serialized)
struct PipelineRecoveryTests {
    @Test("SIGHUP adds a machine and its token without restarting the hub")
    func reloadAddsMachine() async throws {
        let d = try TempDeployment(machines: ["first"])
        defer { d.remove() }
        let hub = try d.startHub()
        defer { hub.crash() }
        #expect(await waitFor(timeout: .seconds(15)) { try await d.machineState("first") != nil })
        var yaml = try String(contentsOf: d.spec, encoding: .utf8)
        yaml += "  - { id: second, host: localhost }\n"
        try yaml.write(to: d.spec, atomically: true, encoding: .utf8)
        try "token-second-0123456789\n".write(to: d.dir.appendingPathComponent(".sms/it/secrets/second.token"), atomically: true, encoding: .utf8)
        let pid = hub.pid
        kill(pid, SIGHUP)
        #expect(await waitFor(timeout: .seconds(10)) { hub.output.contains("spec reloaded") })
        let collector = try d.startCollector("second")
        defer { collector.crash() }
        let streams = await waitFor(timeout: .seconds(20)) { try await d.history("second", "memory.total_bytes").count >= 2 }
        #expect(streams, "the new machine could not stream after SIGHUP:\n\(hub.output)\n\(collector.output)")
        #expect(hub.isRunning && hub.pid == pid)
    }

    @Test("a collector killed with SIGKILL while the hub is away loses nothing it had buffered")
    func collectorCrashLosesNothing() async throws {
        let d = try TempDeployment(machines: ["box"])
        defer { d.remove() }
        var collector = try d.startCollector("box")  // the hub is not up yet: everything goes to the buffer
        defer { collector.crash() }
        let buffered = d.dir.appendingPathComponent(".sms/it/data/buffer/box")
        #expect(await waitFor(timeout: .seconds(15)) {
            let segments = (try? FileManager.default.contentsOfDirectory(atPath: buffered.path)) ?? []
            let bytes = segments.filter { $0.hasPrefix("seg-") }.compactMap {
                try? FileManager.default.attributesOfItem(atPath: buffered.appendingPathComponent($0).path)[.size] as? Int
            }.reduce(0, +)
            return bytes > 5_000  // several seconds of batches (~1 KB each)
        })
        collector.crash()
        let hub = try d.startHub()
        defer { hub.crash() }
        collector = try d.startCollector("box")
        #expect(await waitFor(timeout: .seconds(30)) {
            guard let s = try await d.machineState("box") else { return false }
            return (s["backlog"] as? NSNumber)?.intValue == 0 && (s["lagMs"] as? NSNumber).map { $0.intValue < 3000 } == true
        })
        await collector.stop()
        let stored = try await d.history("box", "memory.total_bytes").map(\.0)
        let acked = Int((try String(contentsOf: buffered.appendingPathComponent("acked"), encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect(Set(stored).count == stored.count, "duplicates stored")
        // The hub acknowledges a live stream every few seconds (sms-ack-every-ms), but a collector that stops
        // ends its stream and waits for the last Ack: it holds nothing the hub stored, so a restart resends nothing.
        #expect(acked == stored.count, "acked up to seq \(acked) but \(stored.count) batches stored\n\(collector.output)")
        #expect(stored.count >= 5)
    }

    @Test("both collectors stop gracefully on SIGTERM, the hub's last Ack awaited, and never log their token, even at debug", arguments: [false, true])
    func gracefulStopAtDebug(lean: Bool) async throws {
        let d = try TempDeployment(machines: ["box"])
        defer { d.remove() }
        let hub = try d.startHub()
        defer { hub.crash() }
        let flags = ["--spec", d.spec.path, "--machine", "box", "--log-level", "debug"]
        let collector = lean
            ? try SMSProcess(flags, log: d.log("collector-box"), executable: SMSProcess.collectorBinary)
            : try SMSProcess(["run", "collector"] + flags, log: d.log("collector-box"))
        defer { collector.crash() }
        #expect(await waitFor(timeout: .seconds(30)) { try await d.history("box", "memory.total_bytes").count >= 7 },
                "no history:\n\(collector.output)")
        await collector.stop()
        #expect(collector.process.terminationReason == .exit && collector.process.terminationStatus == 0,
                "not a graceful exit (\(collector.process.terminationReason), \(collector.process.terminationStatus))")
        #expect(collector.output.contains("collector stopped"), "\(collector.output)")
        let stored = try await d.history("box", "memory.total_bytes").count
        #expect(d.ackedSeq("box") == stored, "acked \(d.ackedSeq("box")), stored \(stored): a restart would resend")
        #expect(collector.output.contains("debug"), "no debug lines were logged")
        #expect(!collector.output.contains(d.token("box")), "the token is in the collector's debug log")
    }

    @Test("with hub.tls the collector streams to the hub over TLS")
    func tls() async throws {
        var d0 = try TempDeployment(machines: ["secure"])
        let dir = d0.dir
        d0.ownCA = dir.appendingPathComponent("cert.pem").path
        defer { d0.remove() }
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                             "-keyout", dir.appendingPathComponent("key.pem").path, "-out", dir.appendingPathComponent("cert.pem").path]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)
        var yaml = try String(contentsOf: d0.spec, encoding: .utf8)
        yaml = yaml.replacingOccurrences(
            of: "http_port: \(d0.httpPort) }",
            with: "http_port: \(d0.httpPort), tls: { cert: cert.pem, key: key.pem, ca: cert.pem } }")
        try yaml.write(to: d0.spec, atomically: true, encoding: .utf8)
        let hub = try d0.startHub()
        let collector = try d0.startCollector("secure")
        defer {
            collector.crash()
            hub.crash()
        }
        let streams = await waitFor(timeout: .seconds(20)) { try await d0.history("secure", "memory.total_bytes").count >= 2 }
        #expect(streams, "no data over TLS:\n\(hub.output)\n\(collector.output)")
        #expect(hub.output.contains("tls=true"))
    }
}
