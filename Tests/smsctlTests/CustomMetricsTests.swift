import Controller
import Foundation
import SMSCore
import Testing
import TestSupport

/// Your own metrics as a user adds them: a file in the machine's `textfile_dir`, applied; its good lines are
/// stored and an alert rule on one fires; the bad line is in the collector's log with file and line.
@Suite struct CustomMetricsTests {
    @Test("three good lines of a textfile are stored and alertable; the malformed one is logged with file:line")
    func textfileMetricsAreStoredAndAlertable() async throws {
        let d = try ControllerDeployment()
        defer { d.cleanUp() }
        let folder = d.dir.appendingPathComponent("textfile")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try """
            # TYPE app_queue_depth gauge
            app_queue_depth{queue="mail"} 42
            app_jobs_done_total 17
            app_workers 3
            app_broken{ 5
            """.write(to: folder.appendingPathComponent("app.prom"), atomically: true, encoding: .utf8)
        let yaml = d.yaml(
            alerts: """
                  - name: queue_deep
                    metric: custom.app_queue_depth
                    labels: { queue: mail }
                    warning: 10
                    for: 0s
                """,
            machineKeys: "    textfile_dir: \(folder.path)\n")
        #expect(yaml.contains("textfile_dir") && yaml.contains("queue_deep") && !yaml.contains("cpu_high"))
        try d.write(yaml)
        let apply = try await offPool { try d.run(["apply", d.spec.path, "--yes"]) }
        #expect(apply.status == 0, "\(apply.out)\n\(apply.err)")

        let fired = await eventuallyOff(within: 60) {
            let alerts = d.api("/api/alerts")?["alerts"] as? [[String: Any]] ?? []
            return alerts.contains { $0["rule"] as? String == "queue_deep" && $0["state"] as? String == "firing" && $0["value"] as? Double == 42 }
        }
        #expect(fired, "queue_deep never fired on custom.app_queue_depth = 42")
        for (metric, value) in [("custom.app_queue_depth", 42.0), ("custom.app_jobs_done_total", 17), ("custom.app_workers", 3)] {
            let stored = await eventuallyOff(within: 30) {
                let series = d.api("/api/history?machine=mcrn&metric=\(metric)&from=-5m&step=1s&tier=raw")?["series"] as? [[String: Any]] ?? []
                let points = series.first?["points"] as? [[String: Any]] ?? []
                return !points.isEmpty && points.allSatisfy { $0["value"] as? Double == value }
            }
            #expect(stored, "\(metric) is not stored as \(value)")
        }
        #expect(((d.api("/api/history?machine=mcrn&metric=custom.app_broken&from=-5m")?["series"] as? [Any]) ?? []).isEmpty)
        let logs = try await offPool { try d.run(["logs", "collector-mcrn", d.spec.path]) }
        #expect(logs.out.contains("\(folder.path)/app.prom:5: "), "\(logs.out.suffix(2000))")
        // The other sources never noticed.
        #expect(await eventuallyOff(within: 30) { !d.historyTimes().isEmpty }, "no cpu.usage_percent stored")
    }
}
