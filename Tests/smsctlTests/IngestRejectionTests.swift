import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import GRPCCore
import GRPCNIOTransportHTTP2
import Controller
import SMSCore
import Services
import TestSupport
import Testing

/// Bad callers against a real hub process: each refused with the right status, nothing stored, others unaffected.
@Suite("Pipeline.Rejections", .serialized)
struct IngestRejectionTests {
    /// Opens a stream as `machine` with `token`, sends `batches`, and returns the status the hub ended it with.
    func stream(_ d: TempDeployment, machine: String, token: String, batches: [Sms_V1_Batch]) async -> RPCError.Code? {
        await refusal(d, machine: machine, token: token, batches: batches)?.code
    }

    /// A hub for `d` that answers `/healthz` (no collector: the test plays it).
    func startHealthyHub(_ d: TempDeployment) async throws -> SMSProcess {
        let hub = try d.startHub()
        #expect(await waitFor(timeout: .seconds(20)) { (try? await d.get("/healthz", bearer: false)) != nil })
        return hub
    }

    /// The error the hub ended the stream with, nil when it ended cleanly.
    func refusal(
        _ d: TempDeployment, machine: String, token: String, batches: [Sms_V1_Batch], epoch: String? = nil,
        extra: [String: String] = [:]
    ) async -> RPCError? {
        do {
            try await withGRPCClient(
                transport: .http2NIOPosix(target: .ipv4(host: "127.0.0.1", port: d.grpcPort), transportSecurity: Self.security(d))
            ) { client in
                var metadata = Metadata()
                metadata.addString("Bearer \(token)", forKey: "authorization")
                metadata.addString(machine, forKey: "sms-machine")
                if let epoch { metadata.addString(epoch, forKey: "sms-epoch") }
                for (key, value) in extra { metadata.addString(value, forKey: key) }
                let request = StreamingClientRequest<Sms_V1_Batch>(metadata: metadata) { writer in
                    for b in batches { try await writer.write(b) }
                }
                try await Sms_V1_Ingest.Client(wrapping: client).stream(request: request) { response in
                    for try await _ in response.messages {}
                }
            }
            return nil
        } catch let error as RPCError {
            return error
        } catch {
            return RPCError(code: .unknown, message: "\(error)")
        }
    }

    func batch(machine: String, seq: UInt64, values: Int = 1) -> Sms_V1_Batch {
        .with {
            $0.machineID = machine
            $0.seq = seq
            $0.timestampMs = Int64(Date().timeIntervalSince1970 * 1000)
            $0.newSeries = [.with { $0.metric = "cpu.usage_percent" }]
            $0.layout = Array(repeating: 0, count: values)
            $0.values = Array(repeating: 42, count: values)
        }
    }

    @Test("streams aborted by their client give their slot back: the stream count returns to zero")
    func abortedStreamsReleaseTheirSlots() async throws {
        let d = try TempDeployment(machines: ["a"])
        defer { d.remove() }
        let hub = try await startHealthyHub(d)
        defer { hub.crash() }
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: d.grpcPort), transportSecurity: Self.security(d))
        ) { client in
            let ingest = Sms_V1_Ingest.Client(wrapping: client)
            var metadata = Metadata()
            metadata.addString("Bearer \(d.token("a"))", forKey: "authorization")
            metadata.addString("a", forKey: "sms-machine")
            // Many streams on one connection, each cancelled at a different point of its life.
            for round in 0..<200 {
                let task = Task {
                    let request = StreamingClientRequest<Sms_V1_Batch>(metadata: metadata) { writer in
                        if round % 2 == 0 { try await writer.write(batch(machine: "a", seq: UInt64(round + 1))) }
                        try await Task.sleep(for: .seconds(30))
                    }
                    try await ingest.stream(request: request) { response in for try await _ in response.messages {} }
                }
                if round % 3 == 0 { await Task.yield() } else { try? await Task.sleep(for: .milliseconds(round % 7)) }
                task.cancel()
                _ = await task.result
            }
            let drained = await waitFor(timeout: .seconds(20)) {
                (try await ingest.health(.init())).openStreams == 0
            }
            let left = (try? await ingest.health(.init()).openStreams) ?? 0
            #expect(drained, "streams still counted open: \(left)")
        }
    }

    /// The acknowledgements a stream as machine "a" hears for batches of `seqs` sent 100 ms apart.
    /// TLS against the CA the hub generated, as a collector on this machine dials it.
    static func security(_ d: TempDeployment) -> HTTP2ClientTransport.Posix.TransportSecurity {
        .tls { $0.trustRoots = .certificates([.file(path: d.caFile, format: .pem)]) }
    }

    func acksHeard(_ d: TempDeployment, seqs: [UInt64], ackEveryMs: String?) async throws -> [UInt64] {
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: d.grpcPort), transportSecurity: Self.security(d))
        ) { client in
            var metadata = Metadata()
            metadata.addString("Bearer \(d.token("a"))", forKey: "authorization")
            metadata.addString("a", forKey: "sms-machine")
            if let ackEveryMs { metadata.addString(ackEveryMs, forKey: "sms-ack-every-ms") }
            let request = StreamingClientRequest<Sms_V1_Batch>(metadata: metadata) { writer in
                for seq in seqs {
                    try await writer.write(batch(machine: "a", seq: seq))
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            return try await Sms_V1_Ingest.Client(wrapping: client).stream(request: request) { response in
                var heard: [UInt64] = []
                for try await ack in response.messages { heard.append(ack.ackedSeq) }
                return heard
            }
        }
    }

    @Test("sms-ack-every-ms paces acknowledgements: none within the interval, the last one when the stream ends; bad values refused")
    func ackPacing() async throws {
        let d = try TempDeployment(machines: ["a"])
        defer { d.remove() }
        let hub = try await startHealthyHub(d)
        defer { hub.crash() }
        // Unpaced: the stored high-water, then each batch as it is stored.
        #expect(try await acksHeard(d, seqs: Array(1...6), ackEveryMs: nil) == [0, 1, 2, 3, 4, 5, 6])
        // Paced by 10 s: the high-water, then only what is held when the stream ends (the 0.6 s fit in one interval).
        #expect(try await acksHeard(d, seqs: Array(7...12), ackEveryMs: "10000") == [6, 12])
        for bad in ["-1", "10001", "1e3", "x", "123456"] {
            let refused = await refusal(d, machine: "a", token: d.token("a"), batches: [batch(machine: "a", seq: 13)],
                                        extra: ["sms-ack-every-ms": bad])
            #expect(refused?.code == .invalidArgument && refused?.message.contains("sms-ack-every-ms") == true,
                    "\(bad): \(String(describing: refused))")
        }
        #expect(try await acksHeard(d, seqs: [], ackEveryMs: "0") == [12], "refused streams stored nothing")
    }

    @Test("clocks out of bounds: ahead by more than a minute or older than any buffer keeps is refused, naming the clock; the live view is never frozen", arguments: [
        (Int64(90_000), false), (Int64(9 * 60_000), false), (Int64(40 * 86_400_000), false), (Int64(-3 * 86_400_000), true),
        (Int64(-29 * 86_400_000), true),
    ])
    func clockSkew(offsetMs: Int64, accepted: Bool) async throws {
        let d = try TempDeployment(machines: ["skewed"])
        defer { d.remove() }
        let hub = try await startHealthyHub(d)
        defer { hub.crash() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // Ahead for positive offsets, behind for negative ones (and for the 40-day case).
        let when = offsetMs == 40 * 86_400_000 ? now - offsetMs : now + offsetMs
        var skewed = batch(machine: "skewed", seq: 1)
        skewed.timestampMs = when
        let refused = await refusal(d, machine: "skewed", token: d.token("skewed"), batches: [skewed])
        // The hub shows how far off the machine's clock is (status's CLOCK column), refused or not.
        let offset = (try await d.machineState("skewed")?["clockOffsetMs"] as? NSNumber)?.int64Value
        #expect(offset.map { abs($0 - (when - now)) < 5_000 } == true, "clockOffsetMs \(String(describing: offset)) for \(when - now)")
        if accepted {
            #expect(refused == nil, "\(String(describing: refused))")
        } else {
            #expect(refused?.code == .invalidArgument && refused?.message.contains("check the clock of machine \"skewed\"") == true,
                    "\(String(describing: refused))")
        }
        // A batch with the right time right after is shown live at once.
        var right = batch(machine: "skewed", seq: 2)
        right.timestampMs = now
        right.newSeries = [.with { $0.metric = "cpu.usage_percent" }]
        #expect(await refusal(d, machine: "skewed", token: d.token("skewed"), batches: [right]) == nil)
        let state = try await d.machineState("skewed")
        #expect((state?["lastSampleMs"] as? NSNumber)?.int64Value == now, "\(String(describing: state))")
    }

    @Test("oversized names and labels, too many labels or series: refused with INVALID_ARGUMENT; the machine's real stream goes on", arguments: [
        "metric", "labelName", "labelValue", "labels", "series",
    ])
    func oversizedSeriesAreRefused(kind: String) async throws {
        let d = try TempDeployment(machines: ["good", "big"])
        defer { d.remove() }
        let hub = try d.startHub()
        let collector = try d.startCollector("good")
        defer {
            collector.crash()
            hub.crash()
        }
        #expect(await waitFor(timeout: .seconds(20)) { try await d.history("good", "cpu.usage_percent").count >= 1 })
        var big = batch(machine: "big", seq: 1)
        func def(_ metric: String, _ labels: [(String, String)] = []) -> Sms_V1_SeriesDef {
            .with { d in d.metric = metric; d.labels = labels.map { l in .with { $0.key = l.0; $0.value = l.1 } } }
        }
        switch kind {
        case "metric": big.newSeries = [def(String(repeating: "m", count: 3_900_000))]
        case "labelName": big.newSeries = [def("disk.used_percent", [(String(repeating: "k", count: 65), "/")])]
        case "labelValue": big.newSeries = [def("disk.used_percent", [("mount", String(repeating: "v", count: 65_536))])]
        case "labels": big.newSeries = [def("disk.used_percent", (0..<17).map { ("k\($0)", "v") })]
        default:
            big.newSeries = (0..<20_001).map { def("cpu.core_usage_percent", [("cpu", "\($0)")]) }
            big.layout = [0]
        }
        #expect(await stream(d, machine: "big", token: d.token("big"), batches: [big]) == .invalidArgument, "\(kind)")
        let page = try await d.machineState("big")
        #expect(((page?["values"] as? [String: Any]) ?? [:]).isEmpty, "\(kind): something of the refused batch is shown")
        let before = try await d.history("good", "cpu.usage_percent").count
        #expect(await waitFor(timeout: .seconds(10)) { try await d.history("good", "cpu.usage_percent").count > before })
    }

    @Test("NaN and ±infinity in any series: dropped at ingest, counted; the API, history and rollups keep answering")
    func nonFiniteValuesAreDropped() async throws {
        let d = try TempDeployment(machines: ["odd"])
        defer { d.remove() }
        let hub = try await startHealthyHub(d)
        defer { hub.crash() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let series: [(String, [String: String])] = [
            ("cpu.usage_percent", [:]), ("memory.used_percent", [:]), ("disk.used_percent", ["mount": "/"]),
            ("load.1m", [:]),
        ]
        let bad: [Double] = [.nan, .infinity, -.infinity, -.nan]
        let batches = (1...4).map { i in
            Sms_V1_Batch.with {
                $0.machineID = "odd"
                $0.seq = UInt64(i)
                $0.timestampMs = now - Int64(5 - i) * 1000
                if i == 1 {
                    $0.newSeries = series.map { s in .with { $0.metric = s.0; $0.labels = s.1.map { kv in .with { $0.key = kv.key; $0.value = kv.value } } } }
                }
                $0.layout = [0, 1, 2, 3]
                // Each series gets one bad value and finite ones otherwise, in a different position each batch.
                $0.values = (0..<4).map { j in j == (i - 1) ? bad[j] : Double(10 * i + j) }
                $0.top = [.with { $0.pid = 1; $0.name = "init"; $0.cpuPercent = i == 2 ? .nan : 1 }]
            }
        }
        #expect(await stream(d, machine: "odd", token: d.token("odd"), batches: batches) == nil)
        for (metric, _) in series {
            let points = try await d.history("odd", metric)
            #expect(points.count == 3, "\(metric): \(points)")
            #expect(points.allSatisfy { $0.1.isFinite })
        }
        for path in ["/api/machines", "/api/machines/odd", "/api/history?machine=odd&metric=cpu.usage_percent&from=-1h&to=now&tier=1h"] {
            let (data, response) = try await d.get(path)
            #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(path): \(String(decoding: data, as: UTF8.self))")
            #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "\(path) is not JSON")
        }
        let (metrics, _) = try await d.get("/metrics")
        #expect(String(decoding: metrics, as: UTF8.self).contains("sms_samples_rejected_total 4"))
    }

    @Test("wrong token, unknown machine, another machine's batch, oversized batch, garbage bytes: refused; good streams go on")
    func refusesBadCallers() async throws {
        let d = try TempDeployment(machines: ["good", "victim"])
        defer { d.remove() }
        let hub = try d.startHub()
        let collector = try d.startCollector("good")
        defer {
            collector.crash()
            hub.crash()
        }
        #expect(await waitFor(timeout: .seconds(20)) { try await d.history("good", "cpu.usage_percent").count >= 2 })

        #expect(await stream(d, machine: "victim", token: "not-the-token", batches: [batch(machine: "victim", seq: 1)]) == .unauthenticated)
        #expect(await stream(d, machine: "intruder", token: d.token("good"), batches: [batch(machine: "intruder", seq: 1)]) == .unauthenticated)
        // An unknown machine and a wrong token get the same answer: machine ids cannot be enumerated.
        let unknown = await refusal(d, machine: "intruder", token: "x", batches: [batch(machine: "intruder", seq: 1)])
        let wrong = await refusal(d, machine: "victim", token: "x", batches: [batch(machine: "victim", seq: 1)])
        #expect(unknown?.message.replacingOccurrences(of: "intruder", with: "M") == wrong?.message.replacingOccurrences(of: "victim", with: "M"))
        #expect(await stream(d, machine: "good", token: d.token("good"), batches: [batch(machine: "victim", seq: 1)]) == .permissionDenied)
        #expect(await stream(d, machine: "victim", token: d.token("victim"), batches: [batch(machine: "victim", seq: 1, values: 60_000)]) == .invalidArgument)
        let huge = await stream(d, machine: "victim", token: d.token("victim"), batches: [batch(machine: "victim", seq: 1, values: 700_000)])
        #expect(huge == .resourceExhausted || huge == .internalError || huge == .unavailable, "a 5.6 MB message got \(String(describing: huge))")
        try sendGarbage(port: d.grpcPort)

        // Nothing of any of those was stored, and the good collector kept streaming throughout.
        #expect(try await d.history("victim", "cpu.usage_percent").isEmpty)
        await #expect(throws: HarnessError.self, "the gateway knows no machine \"intruder\"") {
            try await d.history("intruder", "cpu.usage_percent")
        }
        let before = try await d.history("good", "cpu.usage_percent").count
        #expect(await waitFor(timeout: .seconds(10)) { try await d.history("good", "cpu.usage_percent").count >= before + 2 })
        #expect(hub.isRunning)
        let machines = try await d.json("/api/machines") as? [String: Any]
        let ids = (machines?["machines"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        #expect(!ids.contains("intruder"), "an unknown machine appeared in the fleet: \(ids)")
    }

    /// Opens a TCP connection to the gRPC port, writes non-HTTP/2 bytes, and closes.
    func sendGarbage(port: Int) throws {
        let fd = try #require(connectLoopback(port: port))
        defer { close(fd) }
        let junk = (0..<4096).map { _ in UInt8.random(in: 0...255) }
        _ = junk.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}
