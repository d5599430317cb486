import Services
import SMSCore
import Foundation

/// Renders a plan for people (summary first, then terraform-style lines) and for scripts (JSON).
public enum PlanText {
    /// `+1 machine, ~2 alert thresholds, -1 edge; hub: reload; collector mcrn: restart`, or `no changes`.
    public static func summary(_ plan: Plan) -> String {
        var groups: [(PlanChange.Op, PlanChange.Kind, Int)] = []
        for change in plan.changes {
            if let i = groups.firstIndex(where: { $0.0 == change.op && $0.1 == change.kind }) {
                groups[i].2 += 1
            } else {
                groups.append((change.op, change.kind, 1))
            }
        }
        let counts = groups.map { op, kind, n in
            kind == .hub && op == .add ? "+hub" : "\(op.rawValue)\(n) \(kind.count(n))"
        }
        let actions = plan.actions.filter { $0.action != .none }.map { "\(roleLabel($0)): \($0.action.rawValue)" }
        let remote = plan.remote.filter { $0.kind != .none }.map { "\($0.machine): \($0.kind.rawValue)" }
        let parts = [counts.joined(separator: ", "), actions.joined(separator: "; "), remote.joined(separator: "; ")]
            .filter { !$0.isEmpty }
        return parts.isEmpty ? "no changes" : parts.joined(separator: "; ")
    }

    /// The whole plan as lines.
    public static func render(_ plan: Plan) -> String {
        var out = "Plan: \(summary(plan))\n"
        guard plan.hasChanges else {
            let machines = plan.remote.isEmpty ? "" : " and the \(plan.remote.count) machines over ssh are"
            return out + "The spec matches what was applied (\(plan.specHash)) and every process\(machines.isEmpty ? " is" : ""+machines) up to date.\n"
        }
        if !plan.changes.isEmpty {
            let from =
                plan.appliedHash.map { "spec \($0) → \(plan.specHash)" } ?? "nothing applied yet → \(plan.specHash)"
            out += "\nChanges (\(from)):\n"
            for change in plan.changes { out += change.line + "\n" }
        }
        let actions = plan.actions
        if !actions.isEmpty {
            out += "\nProcesses on this machine:\n"
            let width = actions.map { roleLabel($0).count }.max() ?? 0
            for action in actions {
                let label = roleLabel(action).padding(toLength: width, withPad: " ", startingAt: 0)
                let verb = action.action.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                out += "  \(label)  \(verb) \(action.reason)\n"
            }
        }
        if !plan.remote.isEmpty {
            out += "\nMachines over ssh:\n"
            for change in plan.remote { out += change.line + "\n" }
        }
        if plan.isDestructive { out += "\n! marks a change that loses something.\n" }
        return out
    }

    /// Pretty JSON: `{summary, hasChanges, destructive, specHash, appliedHash, changes, actions}`.
    public static func json(_ plan: Plan) throws -> String {
        struct Output: Encodable {
            var summary: String
            var hasChanges: Bool
            var destructive: Bool
            var specFile: String
            var stateDirectory: String
            var specHash: String
            var appliedHash: String?
            var changes: [PlanChange]
            var actions: [RoleAction]
            var machines: [RemoteChange]
            var backtest: PlanBacktest?
        }
        let output = Output(
            summary: summary(plan), hasChanges: plan.hasChanges, destructive: plan.isDestructive,
            specFile: plan.specFile, stateDirectory: plan.stateDirectory, specHash: plan.specHash,
            appliedHash: plan.appliedHash, changes: plan.changes, actions: plan.actions, machines: plan.remote,
            backtest: plan.backtest)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(output), as: UTF8.self)
    }

    static func roleLabel(_ action: RoleAction) -> String {
        action.controllerRole?.description ?? action.role
    }
}
