import Services
import SMSCore
import Foundation
import Spec

/// What `smsctl apply` would do: the spec changes since the last apply, and one action per local process.
public struct Plan: Sendable, Codable {
    public var specFile: String
    public var stateDirectory: String
    public var specHash: String
    /// nil before the first apply.
    public var appliedHash: String?
    public var changes: [PlanChange]
    /// Every local role with its action, `none` included; hub first.
    public var actions: [RoleAction]
    /// The expected start-time hash of each local role, by role name.
    public var roleHashes: [String: String]

    /// True when apply would change something: the spec differs, or a process must start, stop or change.
    /// The machines apply manages over ssh (read from each machine).
    public var remote: [RemoteChange] = []
    /// What added or changed alert rules would have done over stored history (`plan --backtest`).
    public var backtest: PlanBacktest?

    public var hasChanges: Bool {
        !changes.isEmpty || actions.contains { $0.action != .none } || remote.contains { $0.kind != .none }
    }
    public var isDestructive: Bool { changes.contains { $0.destructive != nil } || remote.contains { $0.kind == .remove } }

    /// The action for `role`, `none` when the plan does not mention it.
    public func action(for role: ControllerRole) -> RoleAction.Kind {
        actions.first { $0.role == role.name }?.action ?? .none
    }

    /// Builds the plan from the applied state, the spec file's model and what runs now.
    public static func make(
        applied: AppliedState?, spec: Spec, specFile: String, state: StateDirectory, runtime: RuntimeSnapshot
    ) -> Plan {
        let changes = SpecDiff(old: applied?.spec, new: spec).changes()
        let hashes = RoleConfig.hashes(spec, specFile: specFile, state: state)
        var actions = [
            hubAction(
                applied: applied, spec: spec, hash: hashes[.hub] ?? "", runtime: runtime,
                changes: changes)
        ]
        for machine in spec.machines where machine.isLocal {
            let role = ControllerRole.collector(machine.id)
            actions.append(collectorAction(role: role, hash: hashes[role] ?? "", runtime: runtime, changes: changes))
        }
        let desired = Set(hashes.keys)
        for (role, running) in runtime.roles.sorted(by: { $0.key < $1.key })
        where running.running && !desired.contains(role) {
            let id: String = if case .collector(let id) = role { id } else { "" }
            let removed = changes.contains { $0.subject == "machine \(id)" && $0.op == .remove }
            actions.append(RoleAction(role: role, action: .stop, reason: removed ? "machine removed" : "not declared"))
        }
        return Plan(
            specFile: specFile, stateDirectory: state.url.path, specHash: spec.hash, appliedHash: applied?.specHash,
            changes: changes, actions: actions,
            roleHashes: Dictionary(uniqueKeysWithValues: hashes.map { ($0.key.name, $0.value) }))
    }

    /// start when not running, restart when its start-time settings differ, reload when it runs another spec.
    static func hubAction(
        applied: AppliedState?, spec: Spec, hash: String, runtime: RuntimeSnapshot, changes: [PlanChange]
    ) -> RoleAction {
        let now = runtime[.hub]
        guard now.running else {
            return RoleAction(role: .hub, action: .start, reason: applied == nil ? "first apply" : "not running")
        }
        if now.configHash != hash {
            let why = changes.filter { $0.hubEffect == .restart }.compactMap(\.short)
            return RoleAction(role: .hub, action: .restart, reason: reason(why, else: "started with other settings"))
        }
        if now.healthy == false {
            return RoleAction(role: .hub, action: .restart, reason: "running but not answering /healthz")
        }
        if now.reportedSpecHash != spec.hash {
            let kinds = changes.filter { $0.hubEffect == .reload }.map(\.kind.rawValue)
            let unique = kinds.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let fallback = "runs spec \(now.reportedSpecHash ?? "?"), the file is \(spec.hash)"
            return RoleAction(
                role: .hub, action: .reload, reason: reason(unique.map { "\($0) changes" }, else: fallback))
        }
        return RoleAction(role: .hub, action: .none, reason: "up to date")
    }

    /// start when not running, restart when its start-time settings differ; reloads never concern collectors.
    static func collectorAction(
        role: ControllerRole, hash: String, runtime: RuntimeSnapshot, changes: [PlanChange]
    ) -> RoleAction {
        guard case .collector(let id) = role else { return RoleAction(role: role, action: .none, reason: "") }
        let now = runtime[role]
        let mine = changes.filter { $0.collectorEffects[id] != nil }
        guard now.running else {
            let isNew = mine.contains { $0.collectorEffects[id] == .start }
            return RoleAction(role: role, action: .start, reason: isNew ? "new local machine" : "not running")
        }
        if now.configHash != hash {
            let why = mine.filter { $0.collectorEffects[id] == .restart }.compactMap(\.short)
            return RoleAction(role: role, action: .restart, reason: reason(why, else: "started with other settings"))
        }
        return RoleAction(role: role, action: .none, reason: "up to date")
    }

    /// The first few reasons joined, or `fallback`.
    static func reason(_ items: [String], else fallback: String) -> String {
        guard !items.isEmpty else { return fallback }
        let head = items.prefix(3).joined(separator: ", ")
        return items.count > 3 ? head + ", …" : head
    }
}

extension PlanChange {
    /// `hub.http_port 8080 → 8081`, for action reasons.
    var short: String? {
        guard let field else { return nil }
        let prefix = kind == .hub ? "hub" : subject.split(separator: " ").last.map(String.init) ?? subject
        return "\(prefix).\(field) \(old ?? "none") → \(new ?? "none")"
    }
}
