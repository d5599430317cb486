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
        discussion: HelpText.reflow(
            """
            Same spec again: no changes, nothing restarts. Thresholds, alerts, notify, machines, edges: the hub
            reloads (SIGHUP). Ports, storage, TLS: the hub restarts. A local collector restarts only when its own
            settings change. Changes that lose something (marked !) are confirmed on a terminal; without one
            (a script, CI) apply refuses them and exits 1 unless --yes.

            Machines with ssh: in the spec are converged over ssh, --parallel at a time: sms-collector copied and
            checked, its token (mode 0600, never on a command line), a systemd unit (or a supervising loop where
            systemd does not run); only what changed restarts, and each machine is done when the hub has its
            samples. A machine dropped from the spec is uninstalled (its buffer kept unless --purge). One machine
            failing leaves it as it was and does not stop the others.
              smsctl apply specs/home.yaml --ssh-config ~/.ssh/sms_config --parallel 16

            Exit status: 0 applied, 1 invalid spec or a failed step (what ran before keeps running; failed machines
            are listed with the reason).
            """))

    @Argument(help: "The spec file, e.g. specs/home.yaml.")
    var spec: String

    @OptionGroup var options: ControllerOptions

    @Flag(name: [.customShort("y"), .long], help: "Do not ask before destructive changes.")
    var yes = false

    @Option(help: "Where to render (default: ctrl/ beside the specs/ folder, else beside the spec).")
    var renderDir: String?

    @OptionGroup var fleet: FleetOptions

    @Flag(help: "When a managed machine is removed from the spec, delete its collector's buffer too.")
    var purge = false

    func run() async throws {
        let began = ContinuousClock.now
        let (target, loaded) = try PlanCommand.load(spec: spec, options: options)
        let lock = try ApplyLock(state: target.state)
        defer { withExtendedLifetime(lock) {} }
        // Before the plan: a new hub certificate changes the hub's start-time hash, so the plan restarts it.
        try Reconciler.ensureCertificates(loaded, state: target.state, progress: ProgressLine())
        var plan = PlanCommand.plan(target: target, spec: loaded)
        let remote = fleet.fleet(spec: loaded, target: target)
        defer { remote.cleanUp() }
        var planned = try await remote.plan(purge: purge)
        plan.remote = planned.map(\.change)
        print(PlanText.render(plan))
        if plan.isDestructive,
            try !Confirmation.granted(
                "Some changes lose something (marked !). Apply them?", yes: yes, action: "apply changes marked !")
        {
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
        // A first apply has just generated the managed machines' tokens: read their state again with them.
        if planned.contains(where: { $0.desired != nil && $0.desired?.tokenFile == nil }) {
            planned = try await remote.plan(purge: purge)
        }
        let outcomes = await remote.apply(planned, hub: HubClient(spec: loaded, specFile: target.specFile, state: target.state), purge: purge)
        await remote.closeConnections()
        if plan.hasChanges || target.applied == nil {
            let hashes = RoleConfig.hashes(loaded, specFile: target.specFile, state: target.state)
            var applied = AppliedState(specFile: target.specFile, spec: loaded, roles: hashes)
            let managed = outcomes.compactMap { item, _, record in record.map { (item.change.machine, $0) } }
            applied.managed = managed.isEmpty ? nil : Dictionary(managed) { a, _ in a }
            try applied.save(to: target.state)
        }
        printOutcome(loaded, plan: plan, renderTo: renderTo, state: target.state, elapsed: ContinuousClock.now - began)
        let failed = outcomes.filter { $0.1 != nil }
        if !failed.isEmpty {
            print("\n\(failed.count) of \(outcomes.count) managed machines failed (each was left as it was):")
            for (item, error, _) in failed { print("  \(item.change.machine) (ssh \(item.change.destination)): \(error ?? "")") }
            throw ExitCode(1)
        }
    }

    /// The closing lines: what is in force, the dashboard, and the remote machines' commands.
    func printOutcome(_ spec: Spec, plan: Plan, renderTo: URL, state: StateDirectory, elapsed: Duration) {
        let verb = plan.hasChanges ? "Applied" : "No changes; in force"
        print("\n\(verb): spec \"\(spec.name)\" (\(spec.hash)) in \(ProgressLine.seconds(elapsed)).")
        print("Dashboard: \(HubClient.dashboardBase(spec))")
        if spec.hub.tls == .generated {
            print(
                "  Its certificate comes from this hub's own CA: import \(state.caCertificate.path) into your browser "
                    + "(or the system's trust store) once, or it will warn (`curl --cacert` it from scripts).")
        }
        printLogin(spec, state: state)
        for machine in spec.machines where !machine.isLocal && machine.ssh == nil {
            print(
                "Remote \(machine.id) (\(machine.host)): run \(renderTo.path)/collectors/\(machine.id).sh there "
                    + "(smsctl collector-cmd \(machine.id) shows it and where its token comes from)")
        }
    }
}

extension ApplyCommand {
    /// How to log in: the one-time admin link while no password is set and the spec declares nobody; a note when
    /// login is off. The link is printed here only, on the terminal of whoever ran apply.
    func printLogin(_ spec: Spec, state: StateDirectory) {
        guard spec.hub.auth.requiresLogin else {
            print("Login: off (hub.auth: none): anyone who reaches port \(spec.hub.httpPort) sees the dashboard.")
            return
        }
        guard spec.hub.auth.users.isEmpty else { return }
        guard let link = try? HubSecrets.ensureLoginLink(state: state) else {
            print("Login: as admin, with the password set through the one-time link.")
            return
        }
        let until = ISO8601DateFormatter.string(from: link.expires, timeZone: .current, formatOptions: [.withInternetDateTime])
        print("Log in once (this link works one time, until \(until)), then set the admin password:")
        print("  \(HubClient.dashboardBase(spec))\(link.path)")
    }
}
