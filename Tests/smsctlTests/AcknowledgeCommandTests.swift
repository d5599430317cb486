import Foundation
import Testing
import TestSupport

/// `smsctl ack` as a user runs it against an applied deployment: an alert that surely fires (memory above 1 %)
/// is acknowledged; `status` and `ack list` show who did; `ack rm` takes it back; a rule that cannot fire is
/// refused in one line. No CPU rule: on a busy machine it fires or not by chance.
@Suite struct AcknowledgeCommandTests {
    static func yaml(_ d: ControllerDeployment) -> String {
        d.yaml(alerts: """
              - name: mem_busy
                metric: memory.used_percent
                warning: 1
                for: 0s
              - name: mem_impossible
                metric: memory.used_percent
                warning: 100
            """)
    }

    /// The `mem_busy` row of `status -o json`, if it is there.
    static func memBusy(_ d: ControllerDeployment) -> [String: Any]? {
        let alerts = (try? d.status().json["alerts"] as? [[String: Any]]) ?? nil
        return alerts?.first { $0["rule"] as? String == "mem_busy" && $0["state"] as? String == "firing" }
    }

    @Test("ack add, status, list and rm against a running hub; a rule that is not firing is refused in one line")
    func ackAddStatusListAndRemove() async throws {
        let d = try ControllerDeployment()
        defer { d.cleanUp() }
        let yaml = Self.yaml(d)
        #expect(yaml.contains("mem_busy") && !yaml.contains("cpu_high"))
        try d.write(yaml)
        let apply = try await offPool { try d.run(["apply", d.spec.path, "--yes"]) }
        #expect(apply.status == 0, "\(apply.out)\n\(apply.err)")
        #expect(await eventuallyOff(within: 90) { Self.memBusy(d) != nil }, "mem_busy never fired")

        let refused = try await offPool { try d.run(["ack", "add", "--spec", d.spec.path, "--machine", "mcrn", "--rule", "mem_impossible"]) }
        #expect(refused.status == 1 && refused.err.contains("mem_impossible on mcrn is not firing"), "\(refused)")
        #expect(refused.err.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "one line: \(refused.err)")

        let add = try await offPool {
            try d.run(["ack", "add", "--spec", d.spec.path, "--machine", "mcrn", "--rule", "mem_busy", "--comment", "swap storm, on it"])
        }
        #expect(add.status == 0 && add.out.contains("acknowledgement ") && add.out.contains("mem_busy@mcrn"), "\(add)")
        #expect(await eventuallyOff(within: 30) { Self.memBusy(d)?["acknowledgedBy"] != nil }, "status never showed the acknowledgement")
        let text = try await offPool { try d.run(["status", d.spec.path]) }
        #expect(text.out.contains("ACKNOWLEDGED") && text.out.contains("by "), "\(text.out)")

        let list = try await offPool { try d.run(["ack", "list", "--spec", d.spec.path, "-o", "json"]) }
        let acks = (try? JSONSerialization.jsonObject(with: Data(list.out.utf8))) as? [[String: Any]] ?? []
        #expect(acks.count == 1 && acks.first?["rule"] as? String == "mem_busy" && acks.first?["comment"] as? String == "swap storm, on it", "\(list.out)")
        let id = try #require(acks.first?["id"] as? String)
        let table = try await offPool { try d.run(["ack", "list", "--spec", d.spec.path]) }
        #expect(table.out.contains(id) && table.out.contains("swap storm, on it"), "\(table.out)")

        let rm = try await offPool { try d.run(["ack", "rm", "--spec", d.spec.path, id]) }
        #expect(rm.status == 0 && rm.out.contains("acknowledgement \(id) removed"), "\(rm)")
        #expect(await eventuallyOff(within: 30) { Self.memBusy(d).map { $0["acknowledgedBy"] == nil } ?? false })
        let again = try await offPool { try d.run(["ack", "rm", "--spec", d.spec.path, id]) }
        #expect(again.status == 1 && again.err.contains("no acknowledgement"), "\(again)")
    }
}
