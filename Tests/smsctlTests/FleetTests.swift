import Foundation
import Testing

/// `smsctl apply` across a real network: a hub namespace and two remote namespaces running sshd, the binaries
/// copied out of the repository, the spec in a folder of its own, each remote with its own install prefix (the
/// file system is shared, so nothing else would show a copy that did not happen).
@Suite("Fleet over ssh", .serialized)
struct FleetTests {
    /// A deployment on the test network: binaries, spec and prefixes under the network's folder.
    struct Fleet {
        let net: TestNetwork
        var bin: URL { net.dir.appendingPathComponent("bin") }
        var specFile: URL { net.dir.appendingPathComponent("spec/fleet.yaml") }
        var state: URL { net.dir.appendingPathComponent("spec/.sms/fleet") }
        func prefix(_ remote: String) -> URL { net.dir.appendingPathComponent("hosts/\(remote)") }

        init(_ net: TestNetwork) throws {
            self.net = net
            let fm = FileManager.default
            try fm.createDirectory(at: net.dir.appendingPathComponent("bin"), withIntermediateDirectories: true)
            try fm.createDirectory(at: net.dir.appendingPathComponent("spec"), withIntermediateDirectories: true)
            let built = SMSProcess.binary.deletingLastPathComponent()
            for name in ["smsctl", "sms-collector"] {
                try fm.copyItem(at: built.appendingPathComponent(name), to: net.dir.appendingPathComponent("bin/\(name)"))
            }
        }

        /// The spec: this machine (the hub's) and `remotes`, each managed over ssh into its own prefix.
        func writeSpec(remotes: [String: String], hubHost: String? = nil) throws {
            var yaml = """
                version: 1
                name: fleet
                hub: { host: \(hubHost ?? net.hubAddress), grpc_port: 50051, http_port: 8080 }
                machines:
                  - { id: hubbox, host: localhost }

                """
            for (remote, extra) in remotes.sorted(by: { $0.key < $1.key }) {
                let addr = net.address(remote)
                yaml += "  - { id: \(remote), host: \(addr), ssh: { to: root@\(addr), prefix: \(prefix(remote).path) }\(extra) }\n"
            }
            try yaml.write(to: specFile, atomically: true, encoding: .utf8)
        }

        func smsctl(_ args: [String]) async -> (status: Int32, output: String) {
            await net.inHub([bin.appendingPathComponent("smsctl").path] + args + ["--ssh-config", net.sshConfig])
        }

        func apply() async -> (status: Int32, output: String) { await smsctl(["apply", specFile.path, "--yes"]) }

        /// The pid of the loop that keeps a remote's collector running (no systemd on the test hosts), from its pid file.
        func supervisorPid(_ remote: String) -> Int32? {
            let file = prefix(remote).appendingPathComponent("var/run/sms/\(remote).pid")
            guard let text = try? String(contentsOf: file, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                TestNetwork.isAlive(pid)
            else { return nil }
            return pid
        }

        /// The collector's pid on a remote, from its pid file (nil when none or not running).
        func collectorPid(_ remote: String) -> Int32? {
            let file = prefix(remote).appendingPathComponent("var/run/sms/\(remote).collector.pid")
            guard let text = try? String(contentsOf: file, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                TestNetwork.isAlive(pid)
            else { return nil }
            return pid
        }

        /// `smsctl status -o json`'s machines, by id.
        func status() async throws -> [String: [String: Any]] {
            let r = await net.inHub([bin.appendingPathComponent("smsctl").path, "status", specFile.path, "-o", "json"])
            let doc = try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any]
            let machines = (doc?["machines"] as? [[String: Any]]) ?? []
            return Dictionary(uniqueKeysWithValues: machines.compactMap { m in (m["id"] as? String).map { ($0, m) } })
        }

        /// A JSON document of the hub's API, asked from inside the hub namespace with the CLI's token (read from
        /// its file by python: a token never goes on a command line) over HTTPS verified against apply's CA.
        func api(_ path: String) async throws -> Any {
            try JSONSerialization.jsonObject(with: Data(try await text(path).utf8))
        }

        /// The body of a GET of the hub's dashboard port, as `api` asks it.
        func text(_ path: String) async throws -> String {
            let code = "import json,ssl,sys,urllib.request; t=open(sys.argv[2]).read().strip(); "
                + "c=ssl.create_default_context(cafile=sys.argv[3]); "
                + "r=urllib.request.Request(sys.argv[1], headers={'Authorization': 'Bearer '+t}); "
                + "sys.stdout.write(urllib.request.urlopen(r, timeout=5, context=c).read().decode())"
            let tokenFile = state.appendingPathComponent("secrets/api.token").path
            let ca = state.appendingPathComponent("tls/ca.pem").path
            let r = await net.inHub(["/usr/bin/env", "python3", "-c", code, "https://127.0.0.1:8080" + path, tokenFile, ca])
            guard r.status == 0 else { throw NetworkError("GET \(path): \(r.output)") }
            return r.output
        }

        /// Sample times (ms) of one machine's CPU series in 1 s history, asked from inside the hub namespace.
        func history(_ machine: String, from: String = "-10m") async -> [Int64] {
            let path = "/api/history?machine=\(machine)&metric=cpu.usage_percent&from=\(from)&to=now&step=1s&tier=raw"
            let doc = (try? await api(path)) as? [String: Any]
            let points = ((doc?["series"] as? [[String: Any]])?.first?["points"] as? [[String: Any]]) ?? []
            return points.compactMap { ($0["t"] as? NSNumber)?.int64Value }
        }
    }

    /// Skips (with the reason recorded) where the test cannot build its network: not root.
    static func network(remotes: Int = 2) async throws -> TestNetwork {
        guard getuid() == 0 else { throw NetworkError("the fleet tests make network namespaces and need root") }
        return try await TestNetwork.make(remotes: remotes)
    }

    /// Runs `body` on a fleet of `remotes` test hosts; whatever it throws is recorded, and the collectors and the
    /// network are taken down afterwards either way.
    static func withFleet(remotes: Int = 2, _ body: (Fleet) async throws -> Void) async throws {
        let net = try await network(remotes: remotes)
        let fleet = try Fleet(net)
        do {
            try await body(fleet)
        } catch {
            Issue.record(error)
        }
        _ = await fleet.smsctl(["down", fleet.specFile.path, "--machines", "all"])
        await net.down()
    }

    @Test("apply installs remote collectors over ssh; again changes nothing; reconfigures one, uninstalls another; a machine without ssh fails alone")
    func applyConvergesTheFleet() async throws {
        try await Self.withFleet { try await converge($0) }
    }

    func converge(_ fleet: Fleet) async throws {
        // 1. First apply: both remotes installed and started over ssh; their samples cross the veth links.
        try fleet.writeSpec(remotes: ["r1": "", "r2": ""])
        let first = await fleet.apply()
        #expect(first.status == 0, "first apply failed:\n\(first.output)")
        #expect(first.output.contains("+ machine r1 (ssh root@\(fleet.net.address("r1"))): install"))
        #expect(first.output.contains("✓ r2: installed"))
        let status = try await fleet.status()
        for id in ["hubbox", "r1", "r2"] {
            #expect(status[id]?["connected"] as? Bool == true, "\(id) not connected: \(status[id] ?? [:])")
        }
        #expect(status["r1"]?["managed"] as? String == "ssh" && status["hubbox"]?["managed"] as? String == "local")
        for remote in ["r1", "r2"] {
            let binary = fleet.prefix(remote).appendingPathComponent("bin/sms-collector").path
            #expect(FileManager.default.isExecutableFile(atPath: binary), "no sms-collector in \(remote)'s prefix")
            let token = fleet.prefix(remote).appendingPathComponent("etc/sms/\(remote).token").path
            let mode = (try? FileManager.default.attributesOfItem(atPath: token)[.posixPermissions] as? Int) ?? nil
            #expect(mode == 0o600, "\(remote)'s token file has mode \(String(mode ?? 0, radix: 8))")
            let arrived = await waitFor(timeout: .seconds(20)) { await fleet.history(remote).count >= 3 }
            #expect(arrived, "no history from \(remote) at the hub")
        }
        let pids = (fleet.collectorPid("r1"), fleet.collectorPid("r2"))
        #expect(pids.0 != nil && pids.1 != nil)

        // 2. The same spec again: no change anywhere, nothing restarted.
        let second = await fleet.apply()
        #expect(second.status == 0, "second apply failed:\n\(second.output)")
        #expect(second.output.contains("Plan: no changes"), "second apply planned changes:\n\(second.output)")
        #expect(second.output.contains("· r1: no change") && second.output.contains("· r2: no change"))
        #expect(fleet.collectorPid("r1") == pids.0 && fleet.collectorPid("r2") == pids.1, "a remote collector restarted")

        // 3. r1's interval changes, r2 leaves the spec: r1 alone restarts; r2 is uninstalled, its buffer kept.
        try fleet.writeSpec(remotes: ["r1": ", interval: 2s"])
        let third = await fleet.apply()
        #expect(third.status == 0, "third apply failed:\n\(third.output)")
        #expect(third.output.contains("~ machine r1 (ssh root@\(fleet.net.address("r1"))): reconfigure: interval 1s → 2s"))
        #expect(third.output.contains("! machine r2"))
        #expect(fleet.collectorPid("r1") != nil && fleet.collectorPid("r1") != pids.0)
        if let old = pids.1 { #expect(!TestNetwork.isAlive(old), "r2's collector still runs") }
        let r2 = fleet.prefix("r2")
        for gone in ["bin/sms-collector", "etc/sms/r2.run", "etc/sms/r2.token"] {
            #expect(!FileManager.default.fileExists(atPath: r2.appendingPathComponent(gone).path), "r2 still has \(gone)")
        }
        #expect(FileManager.default.fileExists(atPath: r2.appendingPathComponent("var/lib/sms/buffer/r2").path))

        // 4. r1's sshd is down while both need work: r2 is installed, r1 fails with the reason and keeps running.
        let r1Before = fleet.collectorPid("r1")
        await fleet.net.hosts("sshd-stop", "r1")
        try fleet.writeSpec(remotes: ["r1": ", interval: 3s", "r2": ""])
        let fourth = await fleet.apply()
        await fleet.net.hosts("sshd-start", "r1")
        #expect(fourth.status == 1, "apply with r1 unreachable should exit 1:\n\(fourth.output)")
        #expect(fourth.output.contains("1 of 2 managed machines failed"))
        #expect(fourth.output.contains("r1 (ssh root@\(fleet.net.address("r1"))): ssh root@\(fleet.net.address("r1")): ssh: connect to host"))
        #expect(fourth.output.contains("✓ r2: installed"))
        #expect(fleet.collectorPid("r1") == r1Before, "r1's collector was touched although ssh could not reach it")

        // 5. r1 reachable again: the next apply catches it up.
        let fifth = await fleet.apply()
        #expect(fifth.status == 0 && fifth.output.contains("~ machine r1"), "r1 not caught up:\n\(fifth.output)")

        // 6. r1's token rotated while it runs: installed there, the old one refused, no second of history lost.
        let rotated = try await rotateToken(fleet)

        // 7. No token anywhere a person or another user could see it.
        try await checkNoTokenShown(
            fleet, outputs: [first.output, second.output, third.output, fourth.output, fifth.output, rotated])
    }

    func rotateToken(_ fleet: Fleet) async throws -> String {
        let secret = fleet.state.appendingPathComponent("secrets/r1.token")
        let old = try String(contentsOf: secret, encoding: .utf8)
        let began = Int64(Date().timeIntervalSince1970 * 1000)
        let rotate = await fleet.smsctl(["rotate-token", "r1", fleet.specFile.path])
        let ended = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(rotate.status == 0, "rotate-token failed:\n\(rotate.output)")
        let new = try String(contentsOf: secret, encoding: .utf8)
        #expect(new != old)
        let installed = try String(contentsOf: fleet.prefix("r1").appendingPathComponent("etc/sms/r1.token"), encoding: .utf8)
        #expect(installed == new, "r1 does not hold the new token")
        // The old token is refused: a collector presenting it is turned away by the hub.
        let oldFile = fleet.net.dir.appendingPathComponent("old.token")
        try old.write(to: oldFile, atomically: true, encoding: .utf8)
        let stale = await fleet.net.inHub(
            ["/usr/bin/timeout", "6", fleet.bin.appendingPathComponent("sms-collector").path, "--hub", "127.0.0.1:50051",
             "--machine", "r1", "--token-file", oldFile.path,
             "--tls-ca", fleet.state.appendingPathComponent("tls/ca.pem").path, "--buffer-dir", fleet.net.dir.appendingPathComponent("stale").path])
        #expect(stale.output.contains("wrong or missing token"), "the old token was not refused:\n\(stale.output)")
        // Every sample from the rotation's start to after its end (r1 samples every 3 s now) is in the history:
        // the collector never stopped sampling and replayed from its buffer.
        let expected = Set(stride(from: (began / 3000 + 1) * 3000, through: ((ended + 3000) / 3000) * 3000, by: 3000))
        var times: [Int64] = []
        let complete = await waitFor(timeout: .seconds(30), every: .seconds(1)) {
            times = await fleet.history("r1", from: "-5m")
            return expected.isSubset(of: Set(times))
        }
        #expect(complete, "samples around the rotation [\(began), \(ended)] missing from r1's history: \(expected.subtracting(times).sorted()); it has \(times.suffix(12))\n\(rotate.output)")
        return rotate.output
    }

    /// Token values never reach argv (every process on the machine: both sides share this kernel), logs on either
    /// side, apply's or plan's output, or the rendered files.
    func checkNoTokenShown(_ fleet: Fleet, outputs: [String]) async throws {
        let secrets = fleet.state.appendingPathComponent("secrets")
        let tokens = try FileManager.default.contentsOfDirectory(atPath: secrets.path).filter { $0.hasSuffix(".token") }
            .compactMap { try? String(contentsOf: secrets.appendingPathComponent($0), encoding: .utf8) }
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        #expect(tokens.count == 4, "three machines and the CLI's API token")
        let plan = await fleet.smsctl(["plan", fleet.specFile.path])
        var texts = outputs + [plan.output]
        for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(pid) != nil {
            if let argv = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") {
                texts.append(String(decoding: argv.map { $0 == 0 ? 32 : $0 }, as: UTF8.self))
            }
        }
        let roots = [fleet.state.appendingPathComponent("logs"), fleet.net.dir.appendingPathComponent("spec/ctrl"),
                     fleet.prefix("r1").appendingPathComponent("var/log"), fleet.prefix("r2").appendingPathComponent("var/log"),
                     fleet.prefix("r1").appendingPathComponent("etc/sms/r1.run")]
        for root in roots {
            let files = (FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? [""])
            for file in files {
                if let text = try? String(contentsOf: file.isEmpty ? root : root.appendingPathComponent(file), encoding: .utf8) {
                    texts.append(text)
                }
            }
        }
        for token in tokens {
            #expect(!texts.contains { $0.contains(token) }, "a token value was shown")
        }
    }

    @Test("a remote's link down for 60 s: its 1 s history for the whole window is back-filled, with no duplicate")
    func linkDownIsBackFilled() async throws {
        try await Self.withFleet(remotes: 1) { fleet in
            try fleet.writeSpec(remotes: ["r1": ""])
            let applied = await fleet.apply()
            #expect(applied.status == 0, "apply failed:\n\(applied.output)")
            let downAt = Int64(Date().timeIntervalSince1970 * 1000)
            await fleet.net.hosts("link-down", "r1")
            try await Task.sleep(for: .seconds(60))
            await fleet.net.hosts("link-up", "r1")
            let upAt = Int64(Date().timeIntervalSince1970 * 1000)
            // Whole seconds strictly inside the window, so the edges' partial seconds do not count.
            let expected = Set(stride(from: (downAt / 1000 + 1) * 1000, to: (upAt / 1000) * 1000, by: 1000))
            var times: [Int64] = []
            let complete = await waitFor(timeout: .seconds(60), every: .seconds(1)) {
                times = await fleet.history("r1", from: "-5m")
                return expected.isSubset(of: Set(times))
        }
        let missing = expected.subtracting(times).count
        #expect(complete, "\(missing) of \(expected.count) seconds of the outage missing in r1's history")
        #expect(Set(times).count == times.count, "duplicate samples in r1's history")
        }
    }

    @Test("a collector stopped for 20 s, a link down for 20 s, a buffer that overflows: /api/gaps says machine down, back-filled and lost, and completeness counts them")
    func gapsAreAccountedFor() async throws {
        try await Self.withFleet { try await accountForGaps($0) }
    }

    /// One gap of a machine from `/api/gaps`.
    struct Gap: CustomStringConvertible {
        var kind: String
        var from: Int64
        var to: Int64
        var batches: Int64?
        var description: String { "\(kind) \(from)…\(to) (\(Double(to - from) / 1000) s\(batches.map { ", \($0) batches" } ?? ""))" }
    }

    func accountForGaps(_ fleet: Fleet) async throws {
        func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
        func gaps(_ machine: String) async throws -> (gaps: [Gap], completeness: [String: Double]) {
            let doc = try await fleet.api("/api/gaps?machine=\(machine)&from=-1h") as? [String: Any]
            let entry = (doc?["machines"] as? [[String: Any]])?.first ?? [:]
            let gaps = (entry["gaps"] as? [[String: Any]] ?? []).map {
                Gap(kind: $0["kind"] as? String ?? "", from: ($0["fromMs"] as? NSNumber)?.int64Value ?? 0,
                    to: ($0["toMs"] as? NSNumber)?.int64Value ?? 0, batches: ($0["batches"] as? NSNumber)?.int64Value)
            }
            return (gaps, entry["completeness"] as? [String: Double] ?? [:])
        }
        // r2 keeps one minute of batches: a longer outage overflows its buffer.
        try fleet.writeSpec(remotes: ["r1": "", "r2": ", buffer: 1m"])
        let applied = await fleet.apply()
        #expect(applied.status == 0, "apply failed:\n\(applied.output)")
        let streaming = await waitFor(timeout: .seconds(30), every: .seconds(1)) {
            await fleet.history("r1", from: "-30s").count >= 5 && fleet.collectorPid("r2") != nil
        }
        try #require(streaming, "r1 does not stream")

        // 1. r1's collector stopped for 20 s (no sample taken): its supervisor stopped (SIGTERM stops the collector
        // gracefully, then the loop), as `systemctl stop` would; then apply starts it again.
        let supervisor = try #require(fleet.supervisorPid("r1"))
        let pid = try #require(fleet.collectorPid("r1"))
        let stopAt = now()
        kill(supervisor, SIGTERM)
        #expect(await waitFor(timeout: .seconds(10)) { !TestNetwork.isAlive(pid) && !TestNetwork.isAlive(supervisor) },
                "r1's collector did not stop")
        let stoppedAt = now()
        try await Task.sleep(for: .seconds(20))
        let restartFrom = now()
        let again = await fleet.apply()
        #expect(again.status == 0, "apply did not start r1 again:\n\(again.output)")
        let restartTo = now()
        #expect(await waitFor(timeout: .seconds(20), every: .seconds(1)) { (await fleet.history("r1", from: "-5s")).count >= 2 })

        // 2. Both links down together: r1 for 20 s (its buffer keeps them all), r2 for 75 s (its 1 m buffer drops the
        // oldest batches).
        let cutFrom = now()
        await fleet.net.hosts("link-down", "r1")
        await fleet.net.hosts("link-down", "r2")
        let cutTo = now()
        try await Task.sleep(for: .seconds(20))
        let r1UpFrom = now()
        await fleet.net.hosts("link-up", "r1")
        let r1UpTo = now()
        try await Task.sleep(for: .seconds(55))
        await fleet.net.hosts("link-up", "r2")
        let r2UpTo = now()

        // The hub records each gap once the samples after it are stored (the back-fills), within seconds.
        var r1: (gaps: [Gap], completeness: [String: Double]) = ([], [:])
        var r2 = r1
        let recorded = await waitFor(timeout: .seconds(60), every: .seconds(2)) {
            r1 = try await gaps("r1")
            r2 = try await gaps("r2")
            return Set(r1.gaps.map(\.kind)).isSuperset(of: ["machine_down", "back_filled"])
                && Set(r2.gaps.map(\.kind)).isSuperset(of: ["lost", "back_filled"])
        }
        #expect(recorded, "r1: \(r1.gaps), r2: \(r2.gaps)")
        print("gaps: stopped \(stopAt)…\(stoppedAt), restarted \(restartFrom)…\(restartTo), cut \(cutFrom)…\(cutTo), "
              + "r1 up \(r1UpFrom)…\(r1UpTo), r2 up …\(r2UpTo); r1: \(r1.gaps); r2: \(r2.gaps)")
        let interval: Int64 = 1000
        // Bounds within an interval of what the test did; a link's back-fill ends when the collector reconnected:
        // its 4 s backoff, and the kernel's retries of a connection begun while the link was down, after it came back.
        let down = r1.gaps.filter { $0.kind == "machine_down" }
        #expect(down.count == 1, "\(r1.gaps)")
        if let g = down.first {
            #expect((stopAt - interval...stoppedAt + interval).contains(g.from), "machine down from \(g), stopped at \(stopAt)")
            #expect((restartFrom...restartTo + interval).contains(g.to), "machine down until \(g), restarted \(restartFrom)…\(restartTo)")
        }
        let filled = r1.gaps.filter { $0.kind == "back_filled" && $0.from >= restartFrom }
        #expect(filled.count == 1, "\(r1.gaps)")
        if let g = filled.first {
            #expect((cutFrom - interval...cutTo + interval).contains(g.from), "back-filled from \(g), cut at \(cutFrom)")
            #expect((r1UpFrom - interval...r1UpTo + 10_000).contains(g.to), "back-filled until \(g), link up at \(r1UpFrom)")
        }
        #expect(!r1.gaps.contains { $0.kind == "lost" || $0.kind == "open" }, "\(r1.gaps)")
        let lost = r2.gaps.filter { $0.kind == "lost" }
        #expect(lost.count == 1, "\(r2.gaps)")
        if let g = lost.first {
            // The loss starts after the cut, within the ~15 s the collector takes to find the link dead: batches it
            // wrote into the dead connection meanwhile may still reach the hub when the link is back (the kernel
            // retransmits what the abandoned socket held), and those are stored, not lost.
            #expect((cutFrom - interval...cutTo + 16_000).contains(g.from), "lost from \(g), cut at \(cutFrom)")
            // Exactly the hole in the stored samples: one before it, none inside, one at its end; one batch each.
            let stored = Set(await fleet.history("r2", from: "-5m"))
            #expect(stored.contains(g.from - interval) && stored.contains(g.to), "lost \(g) is not bounded by stored samples")
            #expect(!stored.contains { $0 >= g.from && $0 < g.to }, "lost \(g) has stored samples inside")
            #expect((g.to - g.from) == (g.batches ?? 0) * interval, "lost \(g): its batches do not fill it")
            // What the collector says it dropped: the oldest of its buffer, up to the first it kept (the gap's end):
            // the hub's lost batches plus those it had stored without having acknowledged them yet (acknowledgements
            // come every 5 s) or received from the dead connection.
            let detail = try await fleet.api("/api/machines/r2") as? [String: Any]
            let samples = detail?["samples"] as? [[String: Any]] ?? []
            let dropped = Int64(samples.first { $0["metric"] as? String == "collector.buffer_dropped_batches" }?["value"] as? Double ?? -1)
            let storedOfDropped = stored.filter { $0 >= g.to - dropped * interval && $0 < g.to }.count
            #expect(dropped >= (g.batches ?? 0) && Int64(storedOfDropped) == dropped - (g.batches ?? 0),
                    "r2's collector dropped \(dropped), the hub lost \(g.batches ?? 0) and holds \(storedOfDropped) of the rest")
            // The back-fill of what the buffer kept follows the lost batches, up to the reconnect.
            let kept = r2.gaps.first { $0.kind == "back_filled" && $0.from >= g.to - interval }
            #expect(kept.map { abs($0.from - g.to) <= interval && $0.to <= r2UpTo + 10_000 && $0.to >= r2UpTo - 56_000 } == true,
                    "r2 back-filled after the loss: \(r2.gaps)")
        }
        // Completeness: the missing time over the time r1 has data for, as /api/gaps and status report it.
        let missing = down.reduce(0) { $0 + $1.to - $1.from }
        let status = try await fleet.status()
        let reported = (status["r1"]?["completeness"] as? [String: Double])?["1h"]
        if let ratio = r1.completeness["1h"], let reported {
            let span = Double(missing) / (1 - ratio)
            // The ratio implies r1's data began about when apply first ran, 1–3 minutes ago.
            #expect(span > 60_000 && span < Double(now() - cutFrom) + 240_000, "r1 1h completeness \(ratio) for \(missing) ms missing")
            #expect(abs(reported - ratio) < 0.01, "status says \(reported), /api/gaps \(ratio)")
            #expect(ratio < 1 && (r2.completeness["1h"] ?? 1) < 1)
            // And for Prometheus, on the hub's own /metrics.
            let metrics = try await fleet.text("/metrics")
            let line = metrics.split(separator: "\n").first { $0.hasPrefix(#"sms_machine_completeness_ratio{machine="r1",window="1h"}"#) }
            let scraped = line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
            #expect(scraped.map { abs($0 - ratio) < 0.01 } == true, "/metrics: \(line ?? "no sms_machine_completeness_ratio of r1")")
        } else {
            Issue.record("no completeness for r1: /api/gaps \(r1.completeness), status \(String(describing: status["r1"]))")
        }
    }

    @Test("validate refuses hub.host 127.0.0.1 with a remote machine: file:line:col and what to set")
    func loopbackHubWithRemoteIsRefused() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-loop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("s.yaml")
        try "version: 1\nname: s\nhub:\n  host: 127.0.0.1\nmachines:\n  - { id: nfrt, host: 192.0.2.11, ssh: true }\n"
            .write(to: spec, atomically: true, encoding: .utf8)
        let r = await TestNetwork.run([SMSProcess.binary.path, "validate", spec.path])
        #expect(r.status == 1)
        #expect(r.output.contains("\(spec.path):4:9: error: hub.host: \"127.0.0.1\" is a loopback address"), "\(r.output)")
        #expect(r.output.contains("set hub.host to this machine's address"))
    }
}
