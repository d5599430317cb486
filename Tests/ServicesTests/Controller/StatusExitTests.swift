import Testing

@testable import Controller
@testable import Services

/// `smsctl status` tells the truth in its exit code and last lines: a critical alert is not "all healthy".
@Suite("Status exit code")
struct StatusExitTests {
    static func report(problems: [String] = [], alerts: [StatusReport.AlertRow]? = [], hubAnswers: Bool = true)
        -> StatusReport
    {
        StatusReport(
            spec: "home", specFile: "specs/home.yaml", specHash: "abc", stateDirectory: "/tmp/s",
            dashboard: "http://127.0.0.1:8080", serverTimeMs: hubAnswers ? 1_000 : nil,
            services: [StatusReport.ServiceRow(role: "hub", pid: 1, uptimeSeconds: 5, health: "healthy")],
            machines: [
                StatusReport.MachineRow(
                    id: "mcrn", host: "localhost", local: true, connected: hubAnswers, samplesPerSecond: 1,
                    status: hubAnswers ? "ok" : "unknown")
            ],
            alerts: alerts, edges: [], problems: problems)
    }

    static func alert(_ severity: String, _ state: String = "firing") -> StatusReport.AlertRow {
        StatusReport.AlertRow(rule: "cpu_high", machine: "mcrn", severity: severity, state: state, sinceMs: 0, value: 97)
    }

    @Test("0 healthy; 3 something unhealthy; 4 an alert critical, whatever else; warnings and pending criticals do not count")
    func exitCodes() {
        #expect(Self.report().exitCode == 0)
        #expect(Self.report(alerts: [Self.alert("warning"), Self.alert("critical", "pending")]).exitCode == 0)
        #expect(Self.report(problems: ["machine nfrt: never seen"]).exitCode == 3)
        #expect(Self.report(alerts: [Self.alert("critical")]).exitCode == 4)
        #expect(Self.report(problems: ["hub: unhealthy"], alerts: [Self.alert("critical")]).exitCode == 4)
    }

    @Test("a channel whose notifications wait after a failure is a problem (exit 3) naming the error; its row shows the queue")
    func undeliveredNotifications() {
        var report = Self.report()
        report.channels = [
            NotificationChannelStatus(name: "ops", queued: 3, lastDeliveredMs: 400, lastError: "cannot resolve hooks.example.com", lastErrorMs: 900),
            NotificationChannelStatus(name: "chat", queued: 0, lastDeliveredMs: 900),
        ]
        report.problems = report.channels!.compactMap(StatusText.deliveryProblem)
        #expect(report.problems == ["alert channel ops: 3 notifications not delivered; last error: cannot resolve hooks.example.com"])
        #expect(report.exitCode == 3)
        let text = StatusText.render(report)
        #expect(text.contains("NOTIFICATIONS") && text.contains("cannot resolve hooks.example.com"), "\(text)")
        #expect(StatusText.deliveryProblem(NotificationChannelStatus(name: "ops", queued: 2)) == nil, "queued without a failure yet: in flight")
    }

    @Test("silences in force are listed: what they mute, when they end, why")
    func silencesAreShown() {
        var report = Self.report()
        report.silences = [
            Silence(id: "s1", machine: "nfrt", rule: nil, startsMs: 0, endsMs: 1_000 + 7_200_000, reason: "disk swap"),
        ]
        let text = StatusText.render(report)
        #expect(text.contains("SILENCES") && text.contains("nfrt") && text.contains("(all)") && text.contains("in 2h0m")
            && text.contains("disk swap"), "\(text)")
        #expect(!StatusText.render(Self.report()).contains("SILENCES"))
    }

    @Test("the last lines name the critical alerts; a machine the hub cannot tell about was last seen at an unknown time")
    func text() {
        let critical = StatusText.render(Self.report(alerts: [Self.alert("critical")]))
        #expect(critical.contains("1 alert is critical: cpu_high on mcrn."), "\(critical)")
        #expect(!StatusText.render(Self.report()).contains("critical:"))
        let hubDown = StatusText.render(Self.report(alerts: nil, hubAnswers: false))
        #expect(hubDown.contains("unknown") && !hubDown.contains("never"), "\(hubDown)")
    }
}
