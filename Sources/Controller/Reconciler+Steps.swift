import Services
import SMSCore
import Foundation
import Spec

extension Reconciler {
    /// Starts the hub after checking its ports are free, then waits for `/healthz` to report this spec.
    func startHub(hash: String, verb: String) async throws {
        for (name, port) in [("http_port", spec.hub.httpPort), ("grpc_port", spec.hub.grpcPort)]
        where HTTPProbe.canConnect(host: hub.host, port: port) {
            progress.failed("hub: cannot start")
            throw ControllerError(
                "hub.\(name) \(port) is already in use on \(hub.host) (another program, or a hub not started by "
                    + "smsctl apply); stop it or choose another hub.\(name) in \(specFile)")
        }
        let arguments = [
            "run", "hub", "--spec", specFile, "--state-dir", state.url.path, "--bind", RoleConfig.bindAddress(spec),
        ]
        let record = try launch(.hub, arguments: arguments, hash: hash)
        let began = ContinuousClock.now
        let problem = await waitHealthy(record, label: "hub: starting") { () -> String? in
            guard let health = hub.health(timeout: 1) else { return "no answer from \(hub.dashboardURL)/healthz" }
            return health.specHash == spec.hash ? nil : "it reports spec \(health.specHash), expected \(spec.hash)"
        }
        try finish(.hub, problem: problem, record: record)
        progress.done(
            "hub: \(verb) (pid \(record.pid), healthy in \(ProgressLine.seconds(ContinuousClock.now - began)))")
    }

    /// SIGHUP, then waits for `/healthz` to report the new spec hash (no restart, no lost samples).
    func reloadHub(_ record: PidRecord) async throws {
        guard ProcessSupervisor.signal(record, SIGHUP) else {
            progress.failed("hub: not running")
            throw ControllerError("hub (pid \(record.pid)) stopped before it could reload; see smsctl logs hub")
        }
        let began = ContinuousClock.now
        let problem = await waitHealthy(record, label: "hub: reloading") { () -> String? in
            guard let health = hub.health(timeout: 1) else { return "no answer from \(hub.dashboardURL)/healthz" }
            return health.specHash == spec.hash
                ? nil : "it still runs spec \(health.specHash) (was the reload refused?), expected \(spec.hash)"
        }
        try finish(.hub, problem: problem, record: record)
        progress.done(
            "hub: reloaded (pid \(record.pid), spec \(spec.hash), in "
                + "\(ProgressLine.seconds(ContinuousClock.now - began)))")
    }

    /// Starts a collector and waits until the hub shows it connected and sending, with this spec.
    func startCollector(_ id: String, hash: String, verb: String) async throws {
        let role = ControllerRole.collector(id)
        let arguments = ["run", "collector", "--spec", specFile, "--machine", id, "--state-dir", state.url.path]
        let record = try launch(role, arguments: arguments, hash: hash)
        let began = ContinuousClock.now
        let problem = await waitHealthy(record, label: "\(role): connecting") { () -> String? in
            guard let fleet = hub.machines(timeout: 1) else { return "the hub does not answer /api/machines" }
            guard let m = fleet.machines.first(where: { $0.id == id }) else { return "the hub does not list \(id)" }
            guard HubClient.isStreaming(m, serverTimeMs: fleet.serverTimeMs) else { return "not connected to the hub" }
            // The collector reports the hash of its own settings; the new one shows once the hub has its stream.
            let expected = spec.machine(id).map { spec.collectorConfigHash($0) }
            return m.configHash == expected ? nil : "the hub still sees the previous collector session"
        }
        try finish(role, problem: problem, record: record)
        progress.done(
            "\(role): \(verb) (pid \(record.pid), connected in "
                + "\(ProgressLine.seconds(ContinuousClock.now - began)))")
    }

    /// After a hub (re)start, waits for a collector that kept running to reconnect (it retries within 4 s).
    func awaitReconnect(_ id: String) async throws {
        let role = ControllerRole.collector(id)
        guard let record = PidRecord.read(state.pidFile(role: role.name)) else { return }
        let began = ContinuousClock.now
        let problem = await waitHealthy(record, label: "\(role): reconnecting") { () -> String? in
            guard let fleet = hub.machines(timeout: 1) else { return "the hub does not answer /api/machines" }
            guard let m = fleet.machines.first(where: { $0.id == id }),
                HubClient.isStreaming(m, serverTimeMs: fleet.serverTimeMs)
            else { return "not connected to the new hub yet" }
            return nil
        }
        try finish(role, problem: problem, record: record)
        progress.done(
            "\(role): reconnected to the hub (pid \(record.pid), in "
                + "\(ProgressLine.seconds(ContinuousClock.now - began)))")
    }

    /// Spawns the role detached and records its pid file.
    func launch(_ role: ControllerRole, arguments: [String], hash: String) throws -> PidRecord {
        let log = state.logFile(role: role.name)
        let pid = try ProcessSupervisor.spawnDetached(executable: executable, arguments: arguments, logFile: log)
        let record = PidRecord(
            pid: pid, startTicks: ProcStat.read(pid: pid)?.startTicks ?? 0, specHash: spec.hash, configHash: hash)
        try record.write(to: state.pidFile(role: role.name))
        return record
    }

    /// Polls `check` (nil = healthy) until the deadline; returns the last problem, or nil when healthy.
    func waitHealthy(_ record: PidRecord, label: String, _ check: () -> String?) async -> String? {
        var problem: String? = "not checked yet"
        let deadline = label.hasPrefix("hub") ? hubDeadline : collectorDeadline
        let tick: (Duration) -> Void = { progress.update(label, elapsed: $0) }
        _ = await Poll.until(within: deadline, tick: tick) { () -> Bool? in
            ProcessSupervisor.reap(record.pid)
            guard record.isAlive else {
                problem = "the process exited"
                return true
            }
            problem = check()
            return problem == nil ? true : nil
        }
        return problem
    }

    /// Throws a readable failure with the log's last lines when `problem` is set.
    func finish(_ role: ControllerRole, problem: String?, record: PidRecord) throws {
        guard let problem else { return }
        progress.failed("\(role): not healthy")
        let log = state.logFile(role: role.name)
        let tail = LogTail.lines(of: log, count: 10).map { "    " + $0 }.joined(separator: "\n")
        let limit = role == .hub ? hubDeadline : collectorDeadline
        throw ControllerError(
            "\(role) (pid \(record.pid)) is not healthy after \(limit): \(problem); what ran before keeps running.\n"
                + "  its log: smsctl logs \(role.name) (\(log.path))" + (tail.isEmpty ? "" : "\n  last lines:\n\(tail)")
        )
    }

    /// Stops the role recorded in its pid file and removes the file.
    func stop(_ role: ControllerRole, because reason: String) async {
        guard let record = PidRecord.read(state.pidFile(role: role.name)) else { return }
        await stop(role, record: record, reason: reason)
    }

    /// Stops one recorded process gracefully and removes its pid file.
    func stop(_ role: ControllerRole, record: PidRecord, reason: String? = nil) async {
        let outcome = await ProcessSupervisor.stop(record, grace: stopGrace)
        try? FileManager.default.removeItem(at: state.pidFile(role: role.name))
        let why = reason.map { " (\($0))" } ?? ""
        switch outcome {
        case .notRunning: progress.skipped("\(role): was not running\(why)")
        case .stopped: progress.done("\(role): stopped (pid \(record.pid))\(why)")
        case .killed: progress.done("\(role): killed after \(stopGrace) without exiting (pid \(record.pid))\(why)")
        }
    }
}
