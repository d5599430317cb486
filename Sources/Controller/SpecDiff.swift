import Services
import SMSCore
import Foundation
import Spec

/// Compares the applied spec with the spec file, item by item, and classifies how each change takes effect.
///
/// Reload (SIGHUP) covers everything the hub reads from the spec in force: thresholds, alerts, notify, machines,
/// labels, edges, retention. Restart covers what a process reads once at start: ports, backends, paths, TLS,
/// and a collector's interval, metrics, buffer and hub address.
public struct SpecDiff: Sendable {
    /// How a plan names a TLS setting (file names, never contents).
    static func tlsText(_ tls: HubTLS) -> String {
        switch tls {
        case .generated: "auto (generated CA)"
        case .off: "off"
        case .files(let files): "cert \(files.cert)"
        }
    }

    public let old: Spec?
    public let new: Spec

    public init(old: Spec?, new: Spec) {
        self.old = old
        self.new = new
    }

    /// Every change, in spec order: hub, retention, machines, alerts, notify, edges, maintenance.
    public func changes() -> [PlanChange] {
        guard let old else { return creation() }
        return hubChanges(old) + retentionChanges(old) + machineChanges(old) + alertChanges(old)
            + notifyChanges(old) + edgeChanges(old) + maintenanceChanges(old)
    }

    /// First apply: the hub and every item is new.
    func creation() -> [PlanChange] {
        var out = [
            PlanChange(
                op: .add, kind: .hub, subject: "hub",
                detail: "grpc :\(new.hub.grpcPort), http :\(new.hub.httpPort)", hubEffect: .start)
        ]
        out += new.machines.map(added)
        out += new.alerts.map { PlanChange(op: .add, kind: .alert, subject: "alert \($0.name)", detail: describe($0)) }
        out += new.notify.map {
            PlanChange(op: .add, kind: .notify, subject: "notify \($0.name)", detail: Format.channel($0))
        }
        out += new.edges.map {
            PlanChange(op: .add, kind: .edge, subject: "edge \($0.name)", detail: Redact.url($0.url))
        }
        out += new.maintenance.map { PlanChange(op: .add, kind: .maintenance, subject: "maintenance \($0.name)") }
        return out
    }

    /// The local collectors, each with `kind`.
    func localCollectors(_ spec: Spec, _ kind: RoleAction.Kind) -> [String: RoleAction.Kind] {
        Dictionary(uniqueKeysWithValues: spec.machines.filter(\.isLocal).map { ($0.id, kind) })
    }

    /// `hub:` fields: all restart the hub except `host` (what remote collectors dial: the hub reloads, remote
    /// collectors are reconfigured); the listen address (`hub.bind`, or its default, which follows whether a remote
    /// machine exists) restarts the hub, and the local collectors when the address they dial changes.
    func hubChanges(_ old: Spec) -> [PlanChange] {
        let a = old.hub
        let b = new.hub
        var out: [PlanChange] = []
        func add(
            _ field: String, _ x: String?, _ y: String?, hub: RoleAction.Kind, collectors: Bool,
            destructive: String? = nil
        ) {
            guard x != y else { return }
            out.append(
                PlanChange(
                    op: .change, kind: .hub, subject: "hub", field: field, old: x, new: y, destructive: destructive,
                    hubEffect: hub, collectorEffects: collectors ? localCollectors(new, .restart) : [:]))
        }
        add("host", a.host, b.host, hub: .reload, collectors: false)
        add(
            "bind", old.hubBindAddress, new.hubBindAddress, hub: .restart,
            collectors: RoleConfig.localHubHost(old) != RoleConfig.localHubHost(new))
        add("grpc_port", "\(a.grpcPort)", "\(b.grpcPort)", hub: .restart, collectors: true)
        add("http_port", "\(a.httpPort)", "\(b.httpPort)", hub: .restart, collectors: false)
        add(
            "state", Redact.backend(a.state), Redact.backend(b.state), hub: .restart, collectors: false,
            destructive: "current values start empty in the new store")
        add(
            "history", Redact.backend(a.history), Redact.backend(b.history), hub: .restart, collectors: false,
            destructive: "history in the old store is not moved; charts start empty")
        add(
            "data_dir", a.dataDir ?? "(state directory)", b.dataDir ?? "(state directory)", hub: .restart,
            collectors: true, destructive: "embedded history and buffers in the old folder are not moved")
        add(
            "tls", Self.tlsText(a.tls), Self.tlsText(b.tls),
            hub: .restart, collectors: true)
        // The gateway reads hub.auth from the spec in force, so a reload switches it; hashes are never shown.
        if a.auth != b.auth {
            let changed = a.auth.summary == b.auth.summary ? " (a password changed)" : ""
            add("auth", a.auth.summary, b.auth.summary + changed, hub: .reload, collectors: false)
        }
        return out
    }

    /// Retention tiers: reload; shorter is destructive.
    func retentionChanges(_ old: Spec) -> [PlanChange] {
        let tiers: [(String, SpecDuration, SpecDuration)] = [
            ("raw", old.retention.raw, new.retention.raw), ("1m", old.retention.oneMinute, new.retention.oneMinute),
            ("1h", old.retention.oneHour, new.retention.oneHour),
        ]
        return tiers.filter { $0.1 != $0.2 }.map { name, x, y in
            PlanChange(
                op: .change, kind: .retention, subject: "retention", field: name, old: "\(x)", new: "\(y)",
                destructive: y < x ? "deletes \(name) history older than \(y)" : nil)
        }
    }

    /// `+ machine nfrt (host 192.168.1.11)`; a local one also starts its collector.
    func added(_ m: Machine) -> PlanChange {
        PlanChange(
            op: .add, kind: .machine, subject: "machine \(m.id)", detail: "host \(m.host)",
            collectorEffects: m.isLocal ? [m.id: .start] : [:])
    }

    /// Machines added, changed, removed (removal is destructive: it leaves the live view).
    func machineChanges(_ old: Spec) -> [PlanChange] {
        let before = Dictionary(old.machines.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Set(new.machines.map(\.id))
        var out: [PlanChange] = []
        for m in new.machines {
            guard let o = before[m.id] else {
                out.append(added(m))
                continue
            }
            out += machineFieldChanges(o, m)
        }
        for o in old.machines where !after.contains(o.id) {
            out.append(
                PlanChange(
                    op: .remove, kind: .machine, subject: "machine \(o.id)", detail: "host \(o.host)",
                    destructive: "drops it from the live view", collectorEffects: o.isLocal ? [o.id: .stop] : [:]))
        }
        return out
    }

    /// A machine's fields: the hub reloads; a local collector restarts for its own start-time settings.
    func machineFieldChanges(_ o: Machine, _ m: Machine) -> [PlanChange] {
        var out: [PlanChange] = []
        func add(_ field: String, _ x: String, _ y: String, collector: RoleAction.Kind) {
            guard x != y else { return }
            out.append(
                PlanChange(
                    op: .change, kind: .machineSetting, subject: "machine \(m.id)", field: field, old: x, new: y,
                    collectorEffects: collector == .none ? [:] : [m.id: collector]))
        }
        let hostEffect: RoleAction.Kind =
            o.isLocal == m.isLocal ? .none : (m.isLocal ? .start : .stop)
        add("host", o.host, m.host, collector: hostEffect)
        add("labels", Format.map(o.labels), Format.map(m.labels), collector: .none)
        let restart: RoleAction.Kind = m.isLocal && o.isLocal ? .restart : .none
        add("interval", "\(o.interval)", "\(m.interval)", collector: restart)
        add("buffer", "\(o.buffer)", "\(m.buffer)", collector: restart)
        add(
            "metrics", Format.list(o.metrics.map(\.rawValue)), Format.list(m.metrics.map(\.rawValue)),
            collector: restart)
        add("token", o.token.description, m.token.description, collector: restart)
        let alerts = Set(o.alertOverrides.keys).union(m.alertOverrides.keys).sorted()
        for name in alerts {
            add(
                "alerts.\(name)", Format.override(o.alertOverrides[name]), Format.override(m.alertOverrides[name]),
                collector: .none)
        }
        return out
    }
}
