import Foundation
import Testing

/// Test hosts of our own on this machine (tests/netns/hosts.sh): a "hub" network namespace bridged to remote
/// namespaces, each running a real sshd. Only addresses inside these namespaces are ever used. `down()` stops every
/// process started in them and removes them, also when the test failed.
final class TestNetwork: @unchecked Sendable {
    let dir: URL
    let env: [String: String]

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("tests/netns/hosts.sh")

    var hubNS: String { env["HUB_NS"]! }
    var hubAddress: String { env["HUB_ADDR"]! }
    var sshConfig: String { env["SSH_CONFIG"]! }
    func address(_ remote: String) -> String { env["\(remote.uppercased())_ADDR"]! }

    private init(dir: URL, env: [String: String]) {
        self.dir = dir
        self.env = env
    }

    /// Builds the network in a new folder; throws with the script's explanation when it cannot.
    static func make(remotes: Int) async throws -> TestNetwork {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-net-\(UUID().uuidString.prefix(8))")
        let net = dir.appendingPathComponent("net")
        try FileManager.default.createDirectory(at: net, withIntermediateDirectories: true)
        let up = await run(["/bin/bash", script.path, "up", net.path, "\(remotes)"])
        guard up.status == 0 else {
            await run(["/bin/bash", script.path, "down", net.path])
            throw NetworkError("tests/netns/hosts.sh up failed (\(up.status)):\n\(up.output)")
        }
        let text = try String(contentsOf: net.appendingPathComponent("hosts.env"), encoding: .utf8)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return TestNetwork(dir: dir, env: values)
    }

    /// Runs `argv` inside the hub namespace.
    @discardableResult
    func inHub(_ argv: [String], timeout: TimeInterval = 180) async -> (status: Int32, output: String) {
        await Self.run(["/usr/sbin/ip", "netns", "exec", hubNS] + argv, timeout: timeout)
    }

    /// `sshd-stop`, `sshd-start`, `link-down`, `link-up` of one remote.
    func hosts(_ verb: String, _ remote: String) async {
        let r = await Self.run(["/bin/bash", Self.script.path, verb, dir.appendingPathComponent("net").path, remote])
        #expect(r.status == 0, "hosts.sh \(verb) \(remote): \(r.output)")
    }

    /// Stops every process in the hub namespace (what the test's apply started there), then removes the network
    /// (hosts.sh stops what runs in the remote ones). Idempotent.
    func down() async {
        let pids = await Self.run(["/usr/sbin/ip", "netns", "pids", hubNS]).output.split(separator: "\n").compactMap { Int32($0) }
        for pid in pids { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, pids.contains(where: { kill($0, 0) == 0 && !Self.isZombie($0) }) { usleep(100_000) }
        for pid in pids where kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        await Self.run(["/bin/bash", Self.script.path, "down", dir.appendingPathComponent("net").path])
        try? FileManager.default.removeItem(at: dir)
    }

    /// True when `pid` has ended but was not reaped (this container's PID 1 does not reap orphans).
    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
    }

    /// True when `pid` is a live process.
    static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 && !isZombie(pid) }

    /// Runs a program to its end (off the cooperative pool), its stdout and stderr together.
    @discardableResult
    static func run(_ argv: [String], timeout: TimeInterval = 120) async -> (status: Int32, output: String) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: runBlocking(argv, timeout: timeout)) }
        }
    }

    private static func runBlocking(_ argv: [String], timeout: TimeInterval) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sms-run-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        guard let handle = try? FileHandle(forWritingTo: out) else { return (-1, "cannot write \(out.path)") }
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return (-1, "cannot run \(argv[0]): \(error)") }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        try? handle.close()
        let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        return (p.terminationStatus, text)
    }
}

struct NetworkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
