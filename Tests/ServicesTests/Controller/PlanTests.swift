import Foundation
import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// Each kind of spec change gets the right action on the hub and on each local collector.
@Suite struct ControllerPlanTests {
    typealias F = PlanFixture

    @Test func sameSpecHasNoChanges() throws {
        let spec = try F.spec(F.base)
        let plan = F.plan(from: spec, to: spec)
        #expect(!plan.hasChanges)
        #expect(PlanText.summary(plan) == "no changes")
        #expect(plan.actions.allSatisfy { $0.action == .none })
    }

    @Test func firstApplyStartsHubAndLocalCollectorsOnly() throws {
        let plan = F.plan(from: nil, to: try F.spec(F.base))
        #expect(plan.action(for: .hub) == .start)
        #expect(plan.action(for: .collector("mcrn")) == .start)
        #expect(!plan.actions.contains { $0.role == "collector-nfrt" })
        #expect(PlanText.summary(plan).hasPrefix("+hub, +2 machines"))
    }

    @Test func thresholdChangeReloadsTheHub() throws {
        let plan = F.plan(from: try F.spec(F.base), to: try F.edited([("warning: 80", "warning: 70")]))
        #expect(plan.changes.map(\.line) == ["  ~ alert cpu_high: warning 80 → 70"])
        #expect(plan.changes.first?.kind == .alertThreshold)
        #expect(plan.action(for: .hub) == .reload)
        #expect(plan.action(for: .collector("mcrn")) == .none)
        #expect(PlanText.summary(plan) == "~1 alert threshold; hub: reload")
    }

    @Test func theBriefsExampleSummary() throws {
        let new = try F.edited([
            ("warning: 80", "warning: 70"), ("critical: 95\n    machines", "critical: 90\n    machines"),
            ("  - id: nfrt", "  - id: tycho\n    host: 192.168.1.12\n  - id: nfrt"),
            (
                "edges:\n  - name: public\n    url: wss://sysmonstm.example.org/ws\n    token: ${SMS_EDGE_TOKEN}\n"
                    + "    machines: [mcrn]", ""
            ),
        ])
        let plan = F.plan(from: try F.spec(F.base), to: new)
        #expect(PlanText.summary(plan) == "+1 machine, ~2 alert thresholds, -1 edge; hub: reload")
        let text = PlanText.render(plan)
        #expect(text.contains("+ machine tycho (host 192.168.1.12)"))
        #expect(text.contains("~ alert cpu_high: critical 95 → 90"))
        #expect(text.contains("  - edge public"))
    }

    @Test(arguments: [
        ("http_port: 8080", "http_port: 8081", RoleAction.Kind.restart, RoleAction.Kind.none),
        ("grpc_port: 50051", "grpc_port: 50052", .restart, .restart),
        ("  host: 192.168.1.20\n", "  host: hub.lan\n", .reload, .none),
        ("  host: 192.168.1.20\n", "  host: 192.168.1.20\n  bind: 192.168.1.20\n", .restart, .restart),
        ("retention: { raw: 48h", "retention: { raw: 72h", .reload, .none),
        ("labels: { role: workstation }", "labels: { role: workstation, room: attic }", .reload, .none),
        ("    host: localhost\n", "    host: localhost\n    interval: 2s\n", .reload, .restart),
        ("    host: localhost\n", "    host: localhost\n    metrics: [cpu, memory]\n", .reload, .restart),
        ("    interval: 5s\n", "    interval: 10s\n", .reload, .none),
        ("format", "format", .none, .none),
    ])
    func changeIsClassified(old: String, new: String, hub: RoleAction.Kind, collector: RoleAction.Kind) throws {
        let base = try F.spec(F.base)
        let edited = old == "format" ? base : try F.edited([(old, new)])
        let plan = F.plan(from: base, to: edited)
        #expect(plan.action(for: .hub) == hub, "\(old) → \(new)")
        #expect(plan.action(for: .collector("mcrn")) == collector, "\(old) → \(new)")
    }

    @Test func storageChangeRestartsTheHubOnlyAndIsDestructive() throws {
        let new = try F.edited([("  http_port: 8080\n", "  http_port: 8080\n  history: postgres://sms@db:5432/sms\n")])
        let plan = F.plan(from: try F.spec(F.base), to: new)
        #expect(plan.action(for: .hub) == .restart)
        #expect(plan.action(for: .collector("mcrn")) == .none)
        #expect(plan.isDestructive)
    }

    @Test func removedLocalMachineStopsItsCollectorAndIsDestructive() throws {
        let new = try F.edited([
            ("  - id: mcrn\n    host: localhost\n    labels: { role: workstation }\n", ""),
            ("machines: { role: workstation }", "machines: [nfrt]"), ("machines: [mcrn]", "machines: [nfrt]"),
        ])
        let plan = F.plan(from: try F.spec(F.base), to: new)
        #expect(plan.action(for: .collector("mcrn")) == .stop)
        #expect(plan.action(for: .hub) == .reload)
        let removal = try #require(plan.changes.first { $0.subject == "machine mcrn" })
        #expect(removal.destructive != nil)
        #expect(removal.line.hasPrefix("! - machine mcrn"))
    }

    @Test func addedLocalMachineStartsACollector() throws {
        let new = try F.edited([("  - id: nfrt", "  - id: ganymede\n    host: 127.0.0.1\n  - id: nfrt")])
        let plan = F.plan(from: try F.spec(F.base), to: new)
        #expect(plan.action(for: .collector("ganymede")) == .start)
        #expect(plan.action(for: .collector("mcrn")) == .none)
        #expect(plan.action(for: .hub) == .reload)
    }

    @Test(arguments: [("raw: 48h", "raw: 24h", true), ("1h: 400d", "1h: 800d", false)])
    func retentionShorterIsDestructive(old: String, new: String, destructive: Bool) throws {
        let plan = F.plan(from: try F.spec(F.base), to: try F.edited([(old, new)]))
        #expect(plan.isDestructive == destructive)
        #expect(plan.changes.first?.kind == .retention)
    }

    @Test func hubAppliedButNotRunningStarts() throws {
        let spec = try F.spec(F.base)
        var runtime = RuntimeSnapshot.assuming(F.applied(spec))
        runtime.roles[.hub]?.running = false
        let plan = F.plan(from: spec, to: spec, runtime: runtime)
        #expect(plan.action(for: .hub) == .start)
        #expect(PlanText.summary(plan) == "hub: start")
        #expect(plan.hasChanges)
    }

    @Test func hubRunningAnOlderSpecIsReloadedEvenWithoutSpecChanges() throws {
        let spec = try F.spec(F.base)
        var runtime = RuntimeSnapshot.assuming(F.applied(spec))
        runtime.roles[.hub]?.reportedSpecHash = "0000000000000000"
        #expect(F.plan(from: spec, to: spec, runtime: runtime).action(for: .hub) == .reload)
    }
}
