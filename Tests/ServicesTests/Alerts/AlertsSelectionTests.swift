import Foundation
import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// Which series and machines a rule covers: label filters, selectors, per-machine overrides.
@Suite struct AlertsSelectionTests {
    static let disks = [
        Sample("disk.used_percent", ["mount": "/"], 95), Sample("disk.used_percent", ["mount": "/boot"], 96),
        Sample("disk.used_percent", ["mount": "/home"], 40),
    ]

    static func diskRule(labels: [String: String] = [:], machines: MachineSelector = MachineSelector()) -> AlertRule {
        AlertRule(name: "disk_full", metric: "disk.used_percent", labels: labels, warning: 90, machines: machines)
    }

    @Test func oneInstancePerSeries() async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([Self.diskRule()]))
        await h.ingest(AlertsFixture.batch(Self.disks))
        let active = await h.engine.active()
        #expect(
            active.compactMap(\.series) == ["disk.used_percent{mount=\"/\"}", "disk.used_percent{mount=\"/boot\"}"])
        #expect(h.sink.notifications.map(\.instance.labels) == [["mount": "/"], ["mount": "/boot"]])
    }

    @Test func labelFilterNarrowsTheSeries() async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([Self.diskRule(labels: ["mount": "/"])]))
        await h.ingest(AlertsFixture.batch(Self.disks))
        #expect(await h.engine.active().compactMap(\.series) == ["disk.used_percent{mount=\"/\"}"])
    }

    @Test("a rule picks one container or one service by its label; the others, as busy, do not fire")
    func containerAndServiceLabelsPickOne() async throws {
        let busy = [
            Sample("container.memory_percent", ["container": "db"], 97),
            Sample("container.memory_percent", ["container": "web"], 99),
            Sample("container.memory_percent", ["service": "nginx.service"], 98),
        ]
        for (labels, expected) in [
            (["container": "db"], #"container.memory_percent{container="db"}"#),
            (["service": "nginx.service"], #"container.memory_percent{service="nginx.service"}"#),
        ] {
            let rule = AlertRule(name: "container_memory", metric: "container.memory_percent", labels: labels, warning: 90)
            let h = try await AlertsHarness(spec: AlertsFixture.spec([rule]))
            await h.ingest(AlertsFixture.batch(busy))
            #expect(await h.engine.active().compactMap(\.series) == [expected])
        }
    }

    @Test(arguments: [
        (MachineSelector(ids: ["nfrt"]), ["nfrt"]),
        (MachineSelector(labels: ["role": "workstation"]), ["mcrn"]),
        (MachineSelector(), ["mcrn", "nfrt"]),
    ])
    func selectorsPickMachines(selector: MachineSelector, expected: [String]) async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([Self.diskRule(machines: selector)]))
        for machine in ["mcrn", "nfrt"] {
            await h.ingest(AlertsFixture.batch([Self.disks[0]], machine: machine))
        }
        #expect(await h.engine.active().map(\.machine).sorted() == expected)
    }

    @Test func machineOverridesReplaceThresholds() async throws {
        var machines = AlertsFixture.machines
        machines[0].alertOverrides = ["cpu_high": ThresholdOverride(warning: 95, critical: 99)]
        machines[1].alertOverrides = ["cpu_high": ThresholdOverride(enabled: false)]
        let h = try await AlertsHarness(
            spec: AlertsFixture.spec([AlertsFixture.cpuRule(for: .zero)], machines: machines))
        await h.ingest(AlertsFixture.cpu(90, machine: "mcrn"))
        await h.ingest(AlertsFixture.cpu(99.5, machine: "nfrt"))
        #expect(await h.engine.active().isEmpty)
        await h.ingest(AlertsFixture.cpu(96, machine: "mcrn"))
        let active = await h.engine.active()
        #expect(active.map(\.machine) == ["mcrn"])
        #expect(active.first?.threshold == 95)
    }

    @Test func unknownMachinesAndNaNAreIgnored() async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([AlertsFixture.cpuRule(for: .zero)]))
        await h.ingest(AlertsFixture.cpu(99, machine: "ghost"))
        await h.ingest(AlertsFixture.cpu(.nan))
        #expect(await h.engine.active().isEmpty)
    }

    @Test func aVanishedSeriesResolves() async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([Self.diskRule()]))
        await h.ingest(AlertsFixture.batch([Self.disks[0]]))
        #expect(h.sink.kinds() == [.firing])
        for _ in 0..<70 {  // the machine keeps reporting, without that mount, for over 5 minutes
            h.clock.advance(seconds: 5)
            await h.ingest(AlertsFixture.batch([Self.disks[2]]))
            await h.engine.tick()
        }
        #expect(h.sink.kinds() == [.firing, .resolved])
        #expect(h.sink.notifications.last?.reason == "series gone")
    }
}
