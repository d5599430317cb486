import ArgumentParser
import Foundation
import Controller
import SMSCore
import Services
import Spec

/// `smsctl plan SPEC`: what apply would change, compared with what was applied and what runs.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what apply would change: spec differences and the action on each local process.",
        discussion: HelpText.reflow(
            """
            Lines: + added, ~ changed, - removed; ! marks a change that loses something (a shorter retention
            deletes history, a removed machine leaves the live view). Actions: reload (SIGHUP, no restart),
            restart (that role only), start, stop.
            Machines with ssh: in the spec are read over ssh (binary, settings, token, whether the collector runs):
            + install, ~ upgrade / reconfigure / restart, ! remove (dropped from the spec), ? unreachable; drift
            made by hand on a machine is listed under it.
            A backtest replays the hub's stored history of each machine through the alerts evaluator for every
            added or changed threshold rule, old and new: "cpu_high (warning 80 → 70) on web-3: would have fired
            14× (was 3×), 2 h 10 m in total; longest 40 m". It needs the running hub; a plan without rule changes
            makes no backtest.
            Exit status: 0 success (with --detailed-exitcode: no changes), 1 error, 2 changes (--detailed-exitcode).
            """))

    @Argument(help: "The spec file, e.g. specs/home.yaml.")
    var spec: String

    @OptionGroup var options: ControllerOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Flag(help: "Exit 0 when there are no changes, 2 when there are (1 stays an error).")
    var detailedExitcode = false

    @Option(help: "How much history to backtest changed alert rules on, e.g. 1h, 7d; 0 turns it off.")
    var backtest = "7d"

    @OptionGroup var fleet: FleetOptions

    func run() async throws {
        guard let window = SpecDuration(parsing: backtest) else {
            throw ValidationError("--backtest: expected a duration such as 1h or 7d (0 turns it off), got \"\(backtest)\"")
        }
        let (target, loaded) = try Self.load(spec: spec, options: options)
        var plan = Self.plan(target: target, spec: loaded)
        let hub = HubClient(spec: target.runningSpec ?? loaded, specFile: target.specFile, state: target.state)
        plan.backtest = PlanBacktest.run(
            old: target.applied?.spec, new: loaded, hub: hub, windowMs: window.milliseconds,
            nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        let remote = fleet.fleet(spec: loaded, target: target)
        plan.remote = try await remote.plan().map(\.change)
        remote.cleanUp()
        await remote.closeConnections()
        switch output {
        case .text:
            print(PlanText.render(plan), terminator: "")
            if let backtest = plan.backtest { print(BacktestText.render(backtest), terminator: "") }
        case .json: print(try PlanText.json(plan))
        }
        if detailedExitcode && plan.hasChanges { throw ExitCode(2) }
    }

    /// Resolves the deployment and loads the spec, printing diagnostics; exits 1 (2 when unreadable) on errors.
    static func load(spec: String, options: ControllerOptions) throws -> (ControllerTarget, Spec) {
        let target = try ControllerTarget.resolve(spec: spec, stateDir: options.stateDir)
        for note in target.notes { FileHandle.standardError.write(Data((note + "\n").utf8)) }
        for diagnostic in target.load.diagnostics {
            FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8))
        }
        guard let loaded = target.spec else {
            FileHandle.standardError.write(Data("\(spec): invalid; nothing was changed\n".utf8))
            throw ExitCode(target.load.isUnreadable ? 2 : 1)
        }
        return (target, loaded)
    }

    /// The plan against the processes as they run now (probed at the ports they were applied with).
    static func plan(target: ControllerTarget, spec: Spec) -> Plan {
        let runtime = RuntimeSnapshot.observe(state: target.state, hub: HubClient(spec: target.runningSpec ?? spec, specFile: target.specFile, state: target.state))
        return Plan.make(
            applied: target.applied, spec: spec, specFile: target.specFile, state: target.state, runtime: runtime)
    }
}

/// Flags every controller command shares.
struct ControllerOptions: ParsableArguments {
    @Option(help: "Where secrets, logs, pids and data live (default: .sms/<name>/ beside the spec).")
    var stateDir: String?
}

/// `-o text|json` of the controller commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
