import Foundation
import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// A new spec (SIGHUP → `SpecBox.replace`) swaps the rules without a restart.
@Suite struct AlertsReloadTests {
    @Test func aLoweredThresholdFiresAtTheNextEvaluation() async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([AlertsFixture.cpuRule(warning: 80, for: .zero)]))
        await h.feedCPU(75, for: 10)
        #expect(h.sink.notifications.isEmpty)
        h.replace(AlertsFixture.spec([AlertsFixture.cpuRule(warning: 70, for: .zero)]))
        await h.ingest(AlertsFixture.cpu(75))
        #expect(h.sink.kinds() == [.firing])
        #expect(h.sink.notifications.first?.instance.threshold == 70)
    }

    @Test func unchangedRulesKeepTheirState() async throws {
        let cpu = AlertsFixture.cpuRule(for: .seconds(30))
        let h = try await AlertsHarness(spec: AlertsFixture.spec([cpu]))
        await h.feedCPU(90, for: 20)  // pending since 0
        let disk = AlertRule(name: "disk_full", metric: "disk.used_percent", warning: 90)
        h.replace(AlertsFixture.spec([cpu, disk]))
        await h.feedCPU(90, for: 15)  // fires at 30 s: the pending timer kept running
        #expect(h.sink.kinds() == [.firing])
        let since = try #require(await h.engine.active().first?.sinceMs)
        #expect(since == h.clock.nowMs() - 5_000)
    }

    @Test func aRemovedRuleResolvesAndNotifies() async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([AlertsFixture.cpuRule(for: .zero)]))
        await h.feedCPU(90, for: 5)
        h.replace(AlertsFixture.spec([]))
        await h.engine.tick()
        #expect(h.sink.kinds() == [.firing, .resolved])
        #expect(h.sink.notifications.last?.reason == "rule removed or disabled")
        #expect(await h.engine.active().isEmpty)
    }

    @Test func aDisabledRuleCancelsItsPendingAlertsSilently() async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([AlertsFixture.cpuRule(for: .seconds(30))]))
        await h.feedCPU(90, for: 10)
        var disabled = AlertsFixture.cpuRule(for: .seconds(30))
        disabled.enabled = false
        h.replace(AlertsFixture.spec([disabled]))
        await h.feedCPU(90, for: 60)
        #expect(h.sink.notifications.isEmpty)
        #expect(await h.engine.active().isEmpty)
    }

    @Test func aRaisedClearResolvesAFiringAlertAtTheNextSample() async throws {
        let h = try await AlertsHarness(spec: AlertsFixture.spec([AlertsFixture.cpuRule(clear: 50, for: .zero)]))
        await h.feedCPU(90, for: 5)
        await h.feedCPU(60, for: 5)
        #expect(h.sink.kinds() == [.firing])
        h.replace(AlertsFixture.spec([AlertsFixture.cpuRule(clear: 65, for: .zero)]))
        await h.feedCPU(60, for: 5)
        #expect(h.sink.kinds() == [.firing, .resolved])
    }
}
