import Foundation
import TestSupport
import Controller
import SMSCore
import Services

/// A throwaway deployment for the controller tests: a temp folder with `specs/<name>.yaml` on free loopback
/// ports, and the real `smsctl` binary run as a user would.
struct ControllerDeployment {
    let dir: URL
    let spec: URL
    let httpPort: Int
    let grpcPort: Int
    /// Variables every `smsctl` run gets besides this process's environment (a spec's `${SECRET}`s): apply passes
    /// them on to the hub it starts, and down, status and plan read the same spec.
    var environment: [String: String] = [:]
    var state: URL { dir.appendingPathComponent("state") }

    /// The binary under test (see `SMSProcess.binary`).
    static var binary: String { SMSProcess.binary.path }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-ctl-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("specs"), withIntermediateDirectories: true)
        spec = dir.appendingPathComponent("specs/ctl.yaml")
        httpPort = try freePort()
        grpcPort = try freePort()
    }

    /// A spec with one local machine and a CPU alert at `warning`.
    /// With a remote machine in `extraMachines`, give `hubHost` an address it could dial (validation insists).
    func yaml(warning: Int = 80, extraMachines: String = "", hubHost: String = "127.0.0.1") -> String {
        """
        version: 1
        name: ctl
        hub:
          host: \(hubHost)
          grpc_port: \(grpcPort)
          http_port: \(httpPort)
        machines:
          - id: mcrn
            host: localhost
            labels: { role: workstation }
        \(extraMachines)
        alerts:
          - name: cpu_high
            metric: cpu.usage_percent
            warning: \(warning)
            critical: 99
        """
    }

    /// `yaml()` with `alerts` (YAML list items, indented two spaces) instead of the CPU rule, and `machineKeys`
    /// (indented four spaces) added to the local machine: for tests whose rules must fire, or never, by design.
    func yaml(alerts: String, machineKeys: String = "") -> String {
        let cpuRule = """
              - name: cpu_high
                metric: cpu.usage_percent
                warning: 80
                critical: 99
            """
        return yaml()
            .replacingOccurrences(of: "    labels: { role: workstation }\n", with: "    labels: { role: workstation }\n" + machineKeys)
            .replacingOccurrences(of: cpuRule, with: alerts)
    }

    /// GETs `path` of the hub's API as the CLI does (its token, the hub's CA); nil unless it answers 200 with JSON.
    func api(_ path: String) -> [String: Any]? {
        let token = HubSecrets.apiToken(state: StateDirectory(url: state))
        let tls = ProbeTLS(caFile: state.appendingPathComponent("tls/ca.pem").path)
        guard let response = HTTPProbe.get(host: "127.0.0.1", port: httpPort, path: path, bearer: token, tls: tls),
            response.status == 200
        else { return nil }
        return try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
    }

    func write(_ text: String) throws { try text.write(to: spec, atomically: true, encoding: .utf8) }

    /// Runs `smsctl ARGS… --state-dir STATE` in the deployment's folder; returns status and output.
    @discardableResult
    func run(_ arguments: [String], stateDir: Bool = true) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments + (stateDir ? ["--state-dir", state.path] : [])
        process.currentDirectoryURL = dir
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes while it runs, so a full pipe never blocks it.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(10_000) }
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errData, as: UTF8.self)
        )
    }

    /// The pid in `run/<role>.pid`, or nil.
    func pid(_ role: String) -> Int32? {
        PidRecord.read(state.appendingPathComponent("run/\(role).pid"))?.pid
    }

    /// `status -o json` decoded loosely.
    func status() throws -> (status: Int32, json: [String: Any]) {
        let result = try run(["status", spec.path, "-o", "json"], stateDir: true)
        let json = (try? JSONSerialization.jsonObject(with: Data(result.out.utf8))) as? [String: Any] ?? [:]
        return (result.status, json)
    }

    /// Timestamps (ms) of the stored raw points of `metric` for `machine` over the last 5 minutes.
    func historyTimes(machine: String = "mcrn", metric: String = "cpu.usage_percent") -> [Int64] {
        guard let doc = api("/api/history?machine=\(machine)&metric=\(metric)&from=-5m&step=1s&tier=raw"),
            let series = doc["series"] as? [[String: Any]], let points = series.first?["points"] as? [[String: Any]]
        else { return [] }
        return points.compactMap { ($0["t"] as? NSNumber)?.int64Value }
    }

    /// Stops whatever is still running (down, then SIGKILL by recorded pid) and deletes the folder.
    func cleanUp() {
        _ = try? run(["down", spec.path])
        let runDir = state.appendingPathComponent("run")
        for file in (try? FileManager.default.contentsOfDirectory(atPath: runDir.path)) ?? [] {
            if let record = PidRecord.read(runDir.appendingPathComponent(file)), record.isAlive {
                kill(record.pid, SIGKILL)
            }
        }
        try? FileManager.default.removeItem(at: dir)
    }
}

/// Polls `condition` every 200 ms until it holds or `seconds` pass.
func controllerEventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(200_000)
    }
    return try condition()
}

/// `controllerEventually` for async tests: each check runs off the concurrency pool (it may run smsctl or wait on a
/// socket), so a long wait does not starve the tests running beside it.
func eventuallyOff(within seconds: Double, _ condition: @escaping @Sendable () throws -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? await offPool(condition)) == true { return true }
        try? await Task.sleep(for: .milliseconds(200))
    }
    return (try? await offPool(condition)) == true
}
