import Foundation
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Runs the real `smsctl` binary as a child process for integration tests; every process stops by itself
/// when the harness is released or the test ends.
final class SMSProcess: @unchecked Sendable {
    let process = Process()
    let log: URL

    /// The built binary: `SMSCTL_BIN`, else `.build/debug/smsctl` in the repository.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["SMSCTL_BIN"] { return URL(fileURLWithPath: path) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/smsctl")
    }

    /// The lean collector built beside `smsctl`.
    static var collectorBinary: URL { binary.deletingLastPathComponent().appendingPathComponent("sms-collector") }

    init(_ arguments: [String], log: URL, environment: [String: String] = [:], executable: URL? = nil) throws {
        self.log = log
        process.executableURL = executable ?? Self.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// SIGTERM, then wait (up to `timeout`) for a graceful exit; SIGKILL if it does not come.
    func stop(timeout: Duration = .seconds(15)) async {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        if await waitFor(timeout: timeout, { !self.process.isRunning }) { return }
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGKILL: a crash, no chance to flush anything.
    func crash() {
        guard process.isRunning else { return }
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Polls `condition` until it holds or the deadline passes; returns whether it held.
@discardableResult
func waitFor(timeout: Duration, every: Duration = .milliseconds(100), _ condition: () async throws -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: every)
    }
    return (try? await condition()) == true
}

/// GET a JSON document from the gateway, with the CLI's token a `TempDeployment` gives its hub (over HTTPS,
/// verified against `ca`, when the URL says https).
func getJSON(_ url: String, ca: String? = nil) async throws -> Any {
    let (data, response) = try await httpGet(URL(string: url)!, bearer: TempDeployment.apiToken, ca: ca)
    guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
        throw HarnessError("GET \(url): status \((response as? HTTPURLResponse)?.statusCode ?? -1): \(String(decoding: data, as: UTF8.self))")
    }
    return try JSONSerialization.jsonObject(with: data)
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A temporary folder with a spec of local machines on free loopback ports, and generated tokens.
struct TempDeployment {
    let dir: URL
    let spec: URL
    let grpcPort: Int
    let httpPort: Int
    let machines: [String]
    /// What `hub` added to the hub mapping.
    let hubKeys: String

    /// `hub` adds keys to the hub mapping (e.g. `, state: "redis://…", history: "postgres://…"`).
    init(machines: [String], hub: String = "", extra: String = "") throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-it-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        grpcPort = try freePort()
        httpPort = try freePort()
        self.machines = machines
        hubKeys = hub
        var yaml = """
            version: 1
            name: it
            hub: { host: 127.0.0.1, grpc_port: \(grpcPort), http_port: \(httpPort)\(hub) }
            machines:

            """
        for m in machines { yaml += "  - { id: \(m), host: localhost }\n" }
        yaml += extra
        spec = dir.appendingPathComponent("spec.yaml")
        try yaml.write(to: spec, atomically: true, encoding: .utf8)
        let secrets = dir.appendingPathComponent(".sms/it/secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        for m in machines { try "token-\(m)-0123456789\n".write(to: secrets.appendingPathComponent("\(m).token"), atomically: true, encoding: .utf8) }
        try "\(Self.apiToken)\n".write(to: secrets.appendingPathComponent("api.token"), atomically: true, encoding: .utf8)
    }

    func token(_ machine: String) -> String { "token-\(machine)-0123456789" }
    /// The CA the hub generated (hub.tls: auto, the default) on its first start.
    var caFile: String { ownCA ?? dir.appendingPathComponent(".sms/it/tls/ca.pem").path }
    /// The CA of a spec that names its own certificates (`hub.tls: {cert, key, ca}`).
    var ownCA: String?

    /// The CLI's API token every `TempDeployment` writes before its hub starts (the hub keeps a token it finds).
    static let apiToken = "api-token-it-0123456789abcdef"
    /// The dashboard's address: HTTPS with the generated CA unless the deployment's hub says `tls: off`.
    var api: String { "\(tls ? "https" : "http")://127.0.0.1:\(httpPort)" }
    var tls: Bool { !hubKeys.contains("tls: off") }
    /// GET `path` from the gateway with the CLI's token (HTTPS verified against the generated CA).
    func get(_ path: String, bearer: Bool = true) async throws -> (Data, HTTPURLResponse) {
        try await httpGet(URL(string: api + path)!, bearer: bearer ? Self.apiToken : nil, ca: tls ? caFile : nil)
    }
    /// A JSON document from the gateway (200 only).
    func json(_ path: String) async throws -> Any { try await getJSON(api + path, ca: tls ? caFile : nil) }
    func log(_ name: String) -> URL { dir.appendingPathComponent("\(name).log") }

    func startHub() throws -> SMSProcess {
        try SMSProcess(["run", "hub", "--spec", spec.path, "--bind", "127.0.0.1"], log: log("hub"))
    }

    func startCollector(_ machine: String) throws -> SMSProcess {
        try SMSProcess(["run", "collector", "--spec", spec.path, "--machine", machine], log: log("collector-\(machine)"))
    }

    /// The lean `sms-collector` of `machine`, with the spec.
    func startLeanCollector(_ machine: String) throws -> SMSProcess {
        try SMSProcess(["--spec", spec.path, "--machine", machine], log: log("collector-\(machine)"),
                       executable: SMSProcess.collectorBinary)
    }

    /// A collector of `machine` streaming to the aggregator on `grpcPort` (without the spec, as on a remote
    /// machine), buffering where `startCollector` would.
    func startCollector(_ machine: String, grpcPort: Int) throws -> SMSProcess {
        try SMSProcess(
            [
                "run", "collector", "--hub", "127.0.0.1:\(grpcPort)", "--machine", machine,
                "--token-file", dir.appendingPathComponent(".sms/it/secrets/\(machine).token").path,
                "--buffer-dir", dir.appendingPathComponent(".sms/it/data/buffer").path, "--tls-ca", caFile,
            ], log: log("collector-\(machine)"))
    }

    /// One role of the hub alone (`aggregator`, `gateway`, `alerts`), with extra flags.
    func startRole(_ role: String, _ flags: [String] = [], logName: String? = nil) throws -> SMSProcess {
        try SMSProcess(["run", role, "--spec", spec.path] + flags, log: log(logName ?? role))
    }

    /// The seq the machine's collector has seen acknowledged, from its buffer folder.
    func ackedSeq(_ machine: String) -> Int {
        let file = dir.appendingPathComponent(".sms/it/data/buffer/\(machine)/acked")
        return Int(((try? String(contentsOf: file, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// The machine's entry in `/api/machines`, or nil.
    func machineState(_ id: String) async throws -> [String: Any]? {
        let doc = try await json("/api/machines") as? [String: Any]
        return (doc?["machines"] as? [[String: Any]])?.first { $0["id"] as? String == id }
    }

    /// Raw points (t, value) of one series from the history API.
    func history(_ machine: String, _ metric: String, from: String = "-1h") async throws -> [(Int64, Double)] {
        let doc = try await json("/api/history?machine=\(machine)&metric=\(metric)&from=\(from)&to=now&step=1s") as? [String: Any]
        let series = (doc?["series"] as? [[String: Any]]) ?? []
        let points = (series.first?["points"] as? [[String: Any]]) ?? []
        return points.compactMap { p in
            guard let t = (p["t"] as? NSNumber)?.int64Value, let v = (p["value"] as? NSNumber)?.doubleValue else { return nil }
            return (t, v)
        }
    }

    /// The last lines of every process log, for a failed expectation's comment (the folder goes away).
    func logTails(lines: Int = 8) -> String {
        let logs = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
        return logs.map { name in
            let text = (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? ""
            return "== \(name)\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}
