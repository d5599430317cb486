import Controller
import Foundation
import SMSCore
import Testing
import TestSupport

/// A fresh install does not page: a declared remote machine that was never set up is *pending*, not down.
@Suite struct PendingMachineTests {
    /// The alerts the hub shows now (`/api/alerts`) as `rule@machine (state)`; nil when the hub does not answer.
    static func alerts(_ d: ControllerDeployment) -> [(machine: String, text: String)]? {
        (d.api("/api/alerts")?["alerts"] as? [[String: Any]])?.map {
            let machine = $0["machine"] as? String ?? "?"
            return (machine, "\($0["rule"] as? String ?? "?")@\(machine) (\($0["state"] as? String ?? "?"))")
        }
    }

    @Test("a fresh apply with a remote machine not set up raises no alert for 2 minutes and shows it pending")
    func neverSetUpIsPendingNotDown() async throws {
        let d = try ControllerDeployment()
        defer { d.cleanUp() }
        try d.write(d.yaml(extraMachines: "  - id: nfrt\n    host: 192.0.2.11\n", hubHost: "192.0.2.1"))
        let apply = try await offPool { try d.run(["apply", d.spec.path, "--yes"]) }
        #expect(apply.status == 0, "\(apply.out)\n\(apply.err)")
        let started = Date()
        var polls = 0
        // machine_down waits 30 s (plus the restart grace) before firing: 2 minutes leaves it every chance.
        while Date().timeIntervalSince(started) < 125 {
            let alerts = try await offPool { Self.alerts(d) }
            if let alerts {
                polls += 1
                let nfrt = alerts.filter { $0.machine == "nfrt" }.map(\.text)
                #expect(nfrt.isEmpty, "after \(Int(Date().timeIntervalSince(started))) s: \(nfrt)")
                if !nfrt.isEmpty { break }
            }
            try await Task.sleep(for: .seconds(2))
        }
        #expect(polls >= 30, "the hub answered /api/alerts only \(polls) times in 2 minutes")
        let status = try await offPool { try d.run(["status", d.spec.path]) }
        // 3: something declared is not healthy (nfrt); 4 when a CPU alert of this busy machine is critical.
        #expect(status.status == 3 || status.status == 4, "\(status.out)\n\(status.err)")
        #expect(status.out.contains("machine nfrt: pending, never reported; run ctrl/collectors/nfrt.sh on it"), "\(status.out)")
        let json = try d.status().json
        let rows = json["machines"] as? [[String: Any]] ?? []
        #expect(rows.first { $0["id"] as? String == "nfrt" }?["status"] as? String == "pending", "\(rows)")
    }
}
