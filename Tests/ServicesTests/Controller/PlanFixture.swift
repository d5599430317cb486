import Foundation
import Spec

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// Specs written as YAML, loaded like `smsctl` loads them, and plans against an applied twin that "runs".
enum PlanFixture {
    static let specFile = "/srv/sms/specs/home.yaml"
    static let state = StateDirectory(url: URL(fileURLWithPath: "/srv/sms/specs/.sms/home"))

    /// home.yaml in small: a local and a remote machine, two alerts, a channel, an edge.
    static let base = """
        version: 1
        name: home
        hub:
          host: 192.168.1.20
          grpc_port: 50051
          http_port: 8080
        retention: { raw: 48h, 1m: 30d, 1h: 400d }
        machines:
          - id: mcrn
            host: localhost
            labels: { role: workstation }
          - id: nfrt
            host: 192.168.1.11
            interval: 5s
        alerts:
          - name: cpu_high
            metric: cpu.usage_percent
            warning: 80
            critical: 95
            machines: { role: workstation }
          - name: memory_high
            metric: memory.used_percent
            warning: 85
            critical: 95
        notify:
          - name: ops
            webhook: https://hooks.example.com/sms/T000/B000/XXXXSECRETPATH
        edges:
          - name: public
            url: wss://sysmonstm.example.org/ws
            token: ${SMS_EDGE_TOKEN}
            machines: [mcrn]
        """

    static let environment = ["SMS_EDGE_TOKEN": "edge-token-value-do-not-print"]

    /// Loads YAML; fails the test with the diagnostics when it does not load.
    static func spec(_ yaml: String, environment: [String: String] = environment) throws -> Spec {
        let result = SpecLoader.load(yaml: yaml, file: specFile, environment: environment)
        guard let spec = result.spec, !result.hasErrors else {
            throw FixtureError(result.diagnostics.map(\.description).joined(separator: "\n"))
        }
        return spec
    }

    /// `base` with each (old, new) text replacement applied once.
    static func edited(_ replacements: [(String, String)]) throws -> Spec {
        var yaml = base
        for (old, new) in replacements {
            guard let range = yaml.range(of: old) else { throw FixtureError("fixture has no \"\(old)\"") }
            yaml.replaceSubrange(range, with: new)
        }
        return try spec(yaml)
    }

    static func applied(_ spec: Spec) -> AppliedState {
        AppliedState(specFile: specFile, spec: spec, roles: RoleConfig.hashes(spec, specFile: specFile, state: state))
    }

    /// The plan from `old` (applied and running exactly) to `new`.
    static func plan(from old: Spec?, to new: Spec, runtime: RuntimeSnapshot? = nil) -> Plan {
        let applied = old.map(applied)
        return Plan.make(
            applied: applied, spec: new, specFile: specFile, state: state,
            runtime: runtime ?? applied.map(RuntimeSnapshot.assuming) ?? .empty)
    }

    struct FixtureError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
