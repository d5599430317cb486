import Foundation
import Testing

@testable import Spec

/// Good fixtures decode to the expected model: defaults applied, `machine_down` added, overrides kept.
@Suite struct GoodFixtureTests {
    static let fullEnvironment = [
        "SMS_MCRN_TOKEN": "mcrn-secret", "SMS_HOOK_TOKEN": "hook-secret", "SMS_EDGE_TOKEN": "edge-secret",
        "SMS_SMTP_PASSWORD": "smtp-secret", "SMS_DISCORD_URL": "https://discord.com/api/webhooks/1/discord-secret",
        "SMS_TEAMS_URL": "https://example.webhook.office.com/webhookb2/teams-secret",
        "SMS_TELEGRAM_TOKEN": "123456:telegram-secret", "SMS_PAGERDUTY_KEY": "pagerduty-secret",
    ]

    @Test(arguments: Fixtures.names(in: "good", suffix: ".good.yaml"))
    func everyGoodFixtureIsValid(_ name: String) {
        let result = Fixtures.load("good", name, environment: Self.fullEnvironment)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description))")
        #expect(result.spec != nil)
    }

    @Test func minimalSpecGetsEveryDefault() throws {
        let spec = try #require(Fixtures.load("good", "minimal.good.yaml").spec)
        #expect(spec.name == "minimal")
        #expect(spec.hub == Hub())
        #expect(spec.retention == Retention())
        #expect(spec.defaults == Defaults())
        #expect(spec.machines == [Machine(id: "solo", host: "localhost")])
        #expect(spec.machines[0].token == .generated)
        #expect(spec.alerts == [AlertRule.machineDown()])
        #expect(spec.alerts[0].isBuiltin && spec.alerts[0].enabled && spec.alerts[0].absentFor == .seconds(30))
        #expect(spec.notify.isEmpty && spec.edges.isEmpty && spec.maintenance.isEmpty)
    }

    @Test("machines[].containers: the selection as written, the defaults without it, rules by container or service")
    func containersSelection() throws {
        let result = Fixtures.load("good", "containers.good.yaml", environment: Self.fullEnvironment)
        let spec = try #require(result.spec)
        #expect(spec.machine("mcrn")?.containers == nil)
        #expect(spec.machine("mcrn")?.metrics.contains(.containers) == true)
        #expect(
            spec.machine("nfrt")?.containers
                == ContainerSelection(
                    include: ["web-*", "db", "nginx.service", "/machine.slice/*"], exclude: ["web-canary"], max: 20,
                    services: true))
        #expect(spec.alerts.first { $0.name == "db_memory" }?.labels == ["container": "db"])
        #expect(spec.alerts.first { $0.name == "nginx_cpu" }?.labels == ["service": "nginx.service"])
    }

    @Test func fullSpecSetsEveryKey() throws {
        let result = Fixtures.load("good", "full.good.yaml", environment: Self.fullEnvironment)
        let spec = try #require(result.spec)
        #expect(spec.hub.host == "10.0.0.5" && spec.hub.grpcPort == 6000 && spec.hub.httpPort == 6001)
        #expect(spec.hub.state == .redis(url: "redis://10.0.0.6:6379/2"))
        #expect(spec.hub.history == .postgres(url: "postgresql://sms@10.0.0.7:5432/sms"))
        #expect(spec.hub.dataDir == "/var/lib/sms")
        #expect(spec.hub.tls == .files(TLSFiles(cert: "certs/hub.pem", key: "certs/hub.key", ca: "certs/ca.pem")))
        #expect(spec.retention == Retention(raw: .hours(72), oneMinute: .days(60), oneHour: .days(730)))
        #expect(spec.defaults == Defaults(interval: .seconds(2), buffer: .hours(2), metrics: [.cpu, .memory, .disk]))

        let mcrn = try #require(spec.machine("mcrn"))
        #expect(mcrn.interval == .seconds(2) && mcrn.buffer == .hours(2) && mcrn.metrics == [.cpu, .memory, .disk])
        #expect(mcrn.labels == ["role": "workstation", "site": "home"])
        #expect(mcrn.token == Secret(source: .env("SMS_MCRN_TOKEN"), value: "mcrn-secret"))
        #expect(mcrn.alertOverrides["cpu_high"] == ThresholdOverride(warning: 85, critical: 97))
        #expect(mcrn.alertOverrides["machine_down"] == ThresholdOverride(enabled: false))

        let nfrt = try #require(spec.machine("nfrt"))
        #expect(nfrt.interval == SpecDuration(milliseconds: 500) && nfrt.buffer == .days(1))
        #expect(nfrt.metrics == [.cpu, .net])
        // token_file is relative to the spec's directory, and its content is trimmed.
        #expect(nfrt.token == Secret(source: .file("secrets/nfrt.token"), value: "nfrt-token-from-file"))

        #expect(spec.alerts.map(\.name) == ["cpu_high", "disk_low", "machine_down"])
        #expect(
            spec.alerts[0]
                == AlertRule(
                    name: "cpu_high", metric: "cpu.usage_percent", warning: 80, critical: 95, clear: 70,
                    forDuration: .seconds(30), keepFiringFor: .minutes(1),
                    machines: MachineSelector(labels: ["role": "workstation"]), notify: ["ops"],
                    repeatInterval: .hours(4)))
        let diskLow = spec.alerts[1]
        #expect(!diskLow.enabled && diskLow.direction == .below && diskLow.labels == ["mount": "/srv"])
        #expect(diskLow.machines == MachineSelector(ids: ["nfrt"]) && diskLow.clear == 12_000_000_000)

        let ops = try #require(spec.notify.first)
        #expect(ops.format == .slack && ops.webhook == "https://hooks.example.com/sms")
        #expect(ops.headers["Authorization"] == Secret(source: .env("SMS_HOOK_TOKEN"), value: "Bearer hook-secret"))
        #expect(ops.headers["X-Team"] == Secret(source: .literal, value: "infra"))

        #expect(
            spec.edges == [
                Edge(
                    name: "public", url: "wss://edge.example.org/ws",
                    token: Secret(source: .env("SMS_EDGE_TOKEN"), value: "edge-secret"), machines: ["mcrn", "nfrt"],
                    metrics: ["cpu", "disk.used_percent"])
            ])
        #expect(
            spec.maintenance == [
                MaintenanceWindow(
                    name: "backups", machines: MachineSelector(labels: ["role": "server"]), days: [.sat, .sun],
                    startMinute: 120, endMinute: 270)
            ])
        #expect(result.baseDirectory == Fixtures.url("good").standardizedFileURL.path)
    }

    @Test func machineDownWrittenInTheSpecOverridesTheBuiltIn() throws {
        let spec = try #require(Fixtures.load("good", "machine_down_override.good.yaml").spec)
        #expect(spec.alerts.count == 1)
        let rule = spec.alerts[0]
        #expect(rule.name == "machine_down" && rule.isBuiltin && !rule.enabled && rule.absentFor == .minutes(2))
    }

    @Test func anchorsAliasesAndMergeKeysAreExpanded() throws {
        let spec = try #require(Fixtures.load("good", "anchors_and_merge.good.yaml").spec)
        let labels = ["role": "web", "site": "dc1"]
        #expect(spec.machines.map(\.id) == ["web1", "web2", "db1"])
        #expect(spec.machines[1] == Machine(id: "web2", host: "10.0.0.12", labels: labels, interval: .seconds(5)))
        #expect(spec.machines[2].labels == labels && spec.machines[2].interval == .seconds(1))
    }

    @Test func environmentDefaultsApplyAndTheEnvironmentWins() throws {
        let fallback = try #require(Fixtures.load("good", "env_defaults.good.yaml").spec)
        #expect(fallback.hub.httpPort == 9090 && fallback.hub.host == "127.0.0.1")
        #expect(fallback.machines[0].host == "localhost" && fallback.machines[0].interval == .seconds(2))
        let environment = [
            "SMS_HTTP_PORT": "7000", "SMS_SOLO_HOST": "solo.lan", "SMS_INTERVAL": "250ms", "SMS_HUB_HOST": "hub.lan",
        ]
        let set = try #require(Fixtures.load("good", "env_defaults.good.yaml", environment: environment).spec)
        #expect(set.hub.httpPort == 7000 && set.machines[0].host == "solo.lan" && set.hub.host == "hub.lan")
        #expect(set.machines[0].interval == SpecDuration(milliseconds: 250))
    }
}
