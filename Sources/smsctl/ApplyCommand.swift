import ArgumentParser
import Foundation
import Controller
import SMSCore
import Services
import Spec

/// `smsctl apply SPEC`: validate, plan, render ctrl/, create secrets, start or reconcile the local processes.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract:
            "Make this machine run the spec: render ctrl/, create secrets, start or reconcile hub and collectors.",
        discussion: """
            Same spec again: no changes, nothing restarts. Thresholds, alerts, notify, machines, edges: the hub
            reloads (SIGHUP). Ports, storage, TLS: the hub restarts. A local collector restarts only when its own
            settings change. Destructive changes are confirmed on a terminal unless --yes.
            Exit status: 0 applied, 1 invalid spec or a failed step (what ran before keeps running).
            """)

    @Argument(help: "The spec file, e.g. specs/home.yaml.")
    var spec: String

    @OptionGroup var options: ControllerOptions

    @Flag(name: [.customShort("y"), .long], help: "Do not ask before destructive changes.")
    var yes = false

    @Option(help: "Where to render (default: ctrl/ beside the specs/ folder, else beside the spec).")
    var renderDir: String?

    func run() async throws {
        let began = ContinuousClock.now
        let (target, loaded) = try PlanCommand.load(spec: spec, options: options)
        let lock = try ApplyLock(state: target.state)
        defer { withExtendedLifetime(lock) {} }
        let plan = PlanCommand.plan(target: target, spec: loaded)
        print(PlanText.render(plan))
        if plan.isDestructive && !yes && isatty(STDIN_FILENO) == 1 && !Self.confirm() {
            print("Nothing was changed.")
            throw ExitCode(1)
        }
        let reconciler = Reconciler(
            spec: loaded, specFile: target.specFile, state: target.state,
            executable: ProcessSupervisor.currentExecutable(), progress: ProgressLine())
        let renderTo =
            renderDir.map { URL(fileURLWithPath: $0).standardizedFileURL }
            ?? ControllerTarget.renderDirectory(specFile: target.specFile)
        try reconciler.render(to: renderTo)
        try reconciler.ensureSecrets()
        try await reconciler.execute(plan)
        if plan.hasChanges || target.applied == nil {
            let hashes = RoleConfig.hashes(loaded, specFile: target.specFile, state: target.state)
            try AppliedState(specFile: target.specFile, spec: loaded, roles: hashes).save(to: target.state)
        }
        printOutcome(loaded, plan: plan, renderTo: renderTo, elapsed: ContinuousClock.now - began)
    }

    /// Asks on the terminal; only `yes` goes on.
    static func confirm() -> Bool {
        print("Some changes lose something (marked !). Apply them? Type yes to go on: ", terminator: "")
        fflush(nil)
        return readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes"
    }

    /// The closing lines: what is in force, the dashboard, and the remote machines' commands.
    func printOutcome(_ spec: Spec, plan: Plan, renderTo: URL, elapsed: Duration) {
        let verb = plan.hasChanges ? "Applied" : "No changes; in force"
        print("\n\(verb): spec \"\(spec.name)\" (\(spec.hash)) in \(ProgressLine.seconds(elapsed)).")
        print("Dashboard: \(HubClient(spec: spec).dashboardURL)")
        for machine in spec.machines where !machine.isLocal {
            print(
                "Remote \(machine.id) (\(machine.host)): run \(renderTo.path)/collectors/\(machine.id).sh there "
                    + "(smsctl collector-cmd \(machine.id) shows it and where its token comes from)")
        }
    }
}
