import Controller
import Foundation
import SMSCore
import Testing
import TestSupport

/// `plan` backtests a changed rule on the hub's stored history, as a user runs it: a metric written by a script
/// (a textfile whose value jumps between 0, 50 and 70), a rule at 40 applied, then changed to 60. The counts
/// `plan -o json` reports equal the firing periods a person counts in the stored history; a plan without a
/// rule change makes no backtest.
@Suite struct PlanBacktestTests {
    static let pattern: [Double] = [0, 0, 0, 50, 50, 50, 0, 0, 70, 70, 70, 0, 0, 0, 50, 50, 0, 0, 70, 70, 0, 0]

    /// Runs of values above `threshold` in time order: what fires (for 0s) and resolves (clear = warning), and
    /// how long they lasted together: from the first sample above to the first one back below.
    static func runs(_ points: [(t: Int64, v: Double)], above threshold: Double) -> (count: Int, totalMs: Int64) {
        var count = 0
        var total: Int64 = 0
        var since: Int64?
        for p in points {
            if p.v > threshold, since == nil {
                count += 1
                since = p.t
            } else if p.v <= threshold, let start = since {
                total += p.t - start
                since = nil
            }
        }
        return (count, total)
    }

    static func storedValues(_ d: ControllerDeployment) -> [Double] { storedPoints(d).map(\.v) }

    static func storedPoints(_ d: ControllerDeployment) -> [(t: Int64, v: Double)] {
        guard let doc = d.api("/api/history?machine=mcrn&metric=custom.load_test&from=-10m&step=1s"),
            let series = doc["series"] as? [[String: Any]], let points = series.first?["points"] as? [[String: Any]]
        else { return [] }
        return points.compactMap { p in
            guard let t = (p["t"] as? NSNumber)?.int64Value, let v = p["value"] as? Double else { return nil }
            return (t, v)
        }
    }

    @Test("plan -o json counts the firings of the old and new rule on stored history, exactly; no rule change, no backtest")
    func backtestCountsWhatHistoryHolds() async throws {
        let d = try ControllerDeployment()
        defer { d.cleanUp() }
        let folder = d.dir.appendingPathComponent("textfile")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("load.prom")
        try "load_test 0\n".write(to: file, atomically: true, encoding: .utf8)
        func yaml(_ warning: Int) -> String {
            d.yaml(
                alerts: """
                      - name: spiky
                        metric: custom.load_test
                        warning: \(warning)
                        for: 0s
                    """,
                machineKeys: "    textfile_dir: \(folder.path)\n")
        }
        try d.write(yaml(40))
        let apply = try await offPool { try d.run(["apply", d.spec.path, "--yes"]) }
        #expect(apply.status == 0, "\(apply.out)\n\(apply.err)")
        // The "script": a new value each second, written atomically, twice through the pattern.
        for value in Self.pattern + Self.pattern {
            try "# TYPE load_test gauge\nload_test \(value)\n".write(to: file, atomically: true, encoding: .utf8)
            try await Task.sleep(for: .seconds(1))
        }
        try "load_test 0\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(await eventuallyOff(within: 20) { Self.storedValues(d).last == 0 && Self.storedValues(d).count >= 40 })

        let unchanged = try await offPool { try d.run(["plan", d.spec.path, "-o", "json"]) }
        #expect(unchanged.status == 0 && !unchanged.out.contains("\"backtest\""), "\(unchanged.out)\n\(unchanged.err)")

        try d.write(yaml(60))
        let plan = try await offPool { try d.run(["plan", d.spec.path, "-o", "json", "--backtest", "10m"]) }
        let stored = Self.storedPoints(d)
        let json = (try? JSONSerialization.jsonObject(with: Data(plan.out.utf8))) as? [String: Any] ?? [:]
        let lines = (json["backtest"] as? [String: Any])?["lines"] as? [[String: Any]] ?? []
        let line = try #require(lines.first, "\(plan.out)\n\(plan.err)")
        let new = line["new"] as? [String: Any], old = line["old"] as? [String: Any]
        let newFirings = new?["firings"] as? Int, oldFirings = old?["firings"] as? Int
        let newTotal = (new?["totalMs"] as? NSNumber)?.int64Value, oldTotal = (old?["totalMs"] as? NSNumber)?.int64Value
        let (expectedOld, expectedOldMs) = Self.runs(stored, above: 40)
        let (expectedNew, expectedNewMs) = Self.runs(stored, above: 60)
        #expect(expectedOld >= 6 && expectedNew >= 3, "the stored history should hold the pattern twice: \(stored.map(\.v))")
        #expect(oldFirings == expectedOld && newFirings == expectedNew, "plan: old \(String(describing: oldFirings)), new \(String(describing: newFirings)); history: \(expectedOld) and \(expectedNew) runs in \(stored.map(\.v))")
        #expect(oldTotal == expectedOldMs && newTotal == expectedNewMs, "plan: \(String(describing: oldTotal)) and \(String(describing: newTotal)) ms; history: \(expectedOldMs) and \(expectedNewMs) ms")
        #expect(line["rule"] as? String == "spiky" && line["machine"] as? String == "mcrn" && line["change"] as? String == "warning 40 → 60")

        let text = try await offPool { try d.run(["plan", d.spec.path, "--backtest", "10m"]) }
        #expect(text.out.contains("spiky (warning 40 → 60) on mcrn: would have fired \(expectedNew)× (was \(expectedOld)×)"), "\(text.out)")
        let off = try await offPool { try d.run(["plan", d.spec.path, "-o", "json", "--backtest", "0"]) }
        #expect(!off.out.contains("\"backtest\""), "\(off.out)")
    }
}
