import Foundation
import Controller
import SMSCore
import Services
import TestSupport
import Testing

/// `smsctl apply/plan/status/down` run as a user runs them, against real hub and collector processes.
@Suite(.serialized) struct ControllerIntegrationTests {
    /// The whole life of a deployment: apply, idle re-apply, threshold reload, down, resume.
    @Test func applyReloadDownResume() async throws {
        let d = try ControllerDeployment()
        defer { d.cleanUp() }
        try d.write(d.yaml(warning: 80))

        let began = Date()
        let first = try await offPool { try d.run(["apply", d.spec.path]) }
        #expect(first.status == 0, "apply failed:\n\(first.out)\n\(first.err)")
        let applyTime = Date().timeIntervalSince(began)
        #expect(first.out.contains("hub: started") && first.out.contains("collector mcrn: started"))
        #expect(first.out.contains("Dashboard: https://localhost:\(d.httpPort)"))

        // Healthy, connected, with data, within 10 s of apply returning: exit 0, or 4 exactly while an alert is
        // critical (the CPU rule's critical 99 fires on a loaded machine: status is right to say so).
        let healthy = await eventuallyOff(within: 10) {
            let (code, json) = try d.status()
            let machines = json["machines"] as? [[String: Any]] ?? []
            let mcrn = machines.first { $0["id"] as? String == "mcrn" }
            let critical = (json["alerts"] as? [[String: Any]] ?? []).contains {
                $0["severity"] as? String == "critical" && $0["state"] as? String == "firing"
            }
            return code == (critical ? 4 : 0) && json["healthy"] as? Bool == true && mcrn?["connected"] as? Bool == true
                && !d.historyTimes().isEmpty
        }
        #expect(healthy, "not healthy with data 10 s after apply (apply took \(applyTime) s)")
        let hubPid = try #require(d.pid("hub"))
        let collectorPid = try #require(d.pid("collector-mcrn"))

        // The same spec again: no changes, nothing restarted.
        let again = try await offPool { try d.run(["apply", d.spec.path]) }
        #expect(again.status == 0)
        #expect(again.out.contains("Plan: no changes"))
        #expect(d.pid("hub") == hubPid && d.pid("collector-mcrn") == collectorPid)

        // A threshold edit: plan names it and exits 2; apply reloads the hub without restarting anything.
        try d.write(d.yaml(warning: 70))
        let plan = try await offPool { try d.run(["plan", d.spec.path, "--detailed-exitcode"]) }
        #expect(plan.status == 2)
        #expect(plan.out.contains("~ alert cpu_high: warning 80 → 70"))
        #expect(plan.out.contains("hub: reload"))
        let reload = try await offPool { try d.run(["apply", d.spec.path]) }
        #expect(reload.status == 0, "reload apply failed:\n\(reload.out)\n\(reload.err)")
        #expect(reload.out.contains("hub: reloaded"))
        #expect(d.pid("hub") == hubPid && d.pid("collector-mcrn") == collectorPid)
        #expect(ProcStat.read(pid: hubPid) != nil && ProcStat.read(pid: collectorPid) != nil)

        // No sample lost across the reload: 1 s timestamps without a gap.
        let reloadedAt = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(await eventuallyOff(within: 10) { (d.historyTimes().last ?? 0) >= reloadedAt + 2000 })
        let times = d.historyTimes()
        let gaps = zip(times, times.dropFirst()).filter { $1 - $0 != 1000 }
        #expect(gaps.isEmpty, "gaps in cpu.usage_percent: \(gaps.prefix(5))")

        // Status: no drift after the reload; healthy (exit 0), or 4 exactly while an alert is critical (the CPU
        // rule's critical 99 can fire on a loaded test machine).
        let (code, json) = try d.status()
        let critical = (json["alerts"] as? [[String: Any]] ?? []).contains { $0["severity"] as? String == "critical" && $0["state"] as? String == "firing" }
        #expect(code == (critical ? 4 : 0), "\(json["problems"] ?? "")")
        for service in json["services"] as? [[String: Any]] ?? [] {
            #expect(service["drift"] as? Bool == false, "\(service)")
        }
        let machines = json["machines"] as? [[String: Any]] ?? []
        #expect(machines.first { $0["id"] as? String == "mcrn" }?["specDrift"] as? Bool == false)

        // Down stops everything; status says so and exits non-zero.
        let down = try await offPool { try d.run(["down", d.spec.path]) }
        #expect(down.status == 0)
        #expect(ProcStat.read(pid: hubPid).map(\.isZombie) ?? true)
        #expect(ProcStat.read(pid: collectorPid).map(\.isZombie) ?? true)
        let stopped = try await offPool { try d.run(["status", d.spec.path]) }
        #expect(stopped.status == 3)
        #expect(stopped.out.contains("not running") && stopped.out.contains("Nothing runs"))

        // Apply again: history from before down is still there, and new samples arrive.
        let resumed = try await offPool { try d.run(["apply", d.spec.path]) }
        #expect(resumed.status == 0, "resume failed:\n\(resumed.out)\n\(resumed.err)")
        let before = try #require(times.first)
        let afterResume = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(
            await eventuallyOff(within: 10) {
                let now = d.historyTimes()
                return now.contains(before) && (now.last ?? 0) >= afterResume
            })
        print("apply to healthy: \(String(format: "%.2f", applyTime)) s")
    }

    /// `down --purge` deletes history and secrets: from a script it refuses without --yes (exit 1, saying so); on a
    /// terminal only `yes` goes on, and another answer says what to type.
    @Test func destructiveStepsNeedYesWithoutATerminal() async throws {
        let d = try ControllerDeployment()
        defer { d.cleanUp() }
        try FileManager.default.createDirectory(at: d.state, withIntermediateDirectories: true)
        try Data("kept".utf8).write(to: d.state.appendingPathComponent("marker"))

        let scripted = try await offPool { try d.run(["down", d.spec.path, "--purge"]) }
        #expect(scripted.status == 1, "\(scripted.out)\n\(scripted.err)")
        #expect(scripted.err.contains("without a terminal") && scripted.err.contains("--yes"), "\(scripted.err)")
        #expect(FileManager.default.fileExists(atPath: d.state.path))

        // On a terminal (script(1) gives it one), answering y is not yes.
        let command = ([ControllerDeployment.binary, "down", d.spec.path, "--purge", "--state-dir", d.state.path])
            .map { "'\($0)'" }.joined(separator: " ")
        let terminal = Process()
        terminal.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        terminal.arguments = ["-qec", command, "/dev/null"]
        let input = Pipe()
        let output = Pipe()
        terminal.standardInput = input
        terminal.standardOutput = output
        terminal.standardError = output
        try terminal.run()
        input.fileHandleForWriting.write(Data("y\n".utf8))
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        terminal.waitUntilExit()
        #expect(said.contains("Type yes to go on") && said.contains("Only yes goes on, not \"y\""), "\(said)")
        #expect(FileManager.default.fileExists(atPath: d.state.path))

        let confirmed = try await offPool { try d.run(["down", d.spec.path, "--purge", "--yes"]) }
        #expect(confirmed.status == 0, "\(confirmed.out)\n\(confirmed.err)")
        #expect(!FileManager.default.fileExists(atPath: d.state.path))
    }

    /// A spec with an error: apply prints the diagnostics, exits 1, and creates or starts nothing.
    @Test func invalidSpecChangesNothing() async throws {
        let d = try ControllerDeployment()
        defer { d.cleanUp() }
        try d.write(d.yaml(warning: 80).replacingOccurrences(of: "critical: 99", with: "critical: 60"))
        let result = try await offPool { try d.run(["apply", d.spec.path]) }
        #expect(result.status == 1)
        #expect(result.err.contains("ctl.yaml:") && result.err.contains("error"))
        #expect(!FileManager.default.fileExists(atPath: d.state.path))
        #expect(!FileManager.default.fileExists(atPath: d.dir.appendingPathComponent("ctrl").path))
        #expect(!HTTPProbe.canConnect(host: "127.0.0.1", port: d.httpPort))
    }

    /// A remote machine gets its rendered command and the token's location, never the token.
    @Test func collectorCommandNamesTheTokenFileNotTheToken() async throws {
        let d = try ControllerDeployment()
        defer { d.cleanUp() }
        try d.write(d.yaml(extraMachines: "  - id: nfrt\n    host: 192.0.2.11\n", hubHost: "192.0.2.1"))
        let secrets = d.state.appendingPathComponent("secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        try MachineTokens.write("tok-nfrt-should-not-print", to: secrets.appendingPathComponent("nfrt.token"))
        let result = try await offPool { try d.run(["collector-cmd", "nfrt", d.spec.path]) }
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.contains("sms-collector --hub 192.0.2.1:"))
        #expect(result.out.contains(secrets.appendingPathComponent("nfrt.token").path))
        #expect(!result.out.contains("tok-nfrt-should-not-print"))
    }
}
