import ArgumentParser
import Foundation
import Controller
import SMSCore
import Services

/// `smsctl down [SPEC]`: stops what apply started, collectors first; keeps data and secrets unless --purge.
struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop the hub and local collectors gracefully; keep data and secrets unless --purge.",
        discussion: HelpText.reflow(
            """
            Collectors stop first, then the hub (SIGTERM, up to 10 s, then SIGKILL), so what they sent is stored.
            --purge also deletes the state directory (secrets, logs, history), after asking on a terminal;
            without one it refuses and exits 1 unless --yes. The next apply starts again from what is kept.
            Managed machines (ssh: in the spec) keep running unless named: --machines all stops every one of
            their collectors over ssh first (installed, not removed: the next apply starts them again).
              smsctl down --machines all          smsctl down --machines nfrt tycho
            """))

    @Argument(help: "The spec file (default: the one in --state-dir, else specs/home.yaml).")
    var spec: String?

    @OptionGroup var options: ControllerOptions

    @Flag(help: "Also delete the state directory: secrets, logs, pid files and embedded history.")
    var purge = false

    @Flag(name: [.customShort("y"), .long], help: "Do not ask before --purge deletes anything.")
    var yes = false

    @Option(
        name: .customLong("machines"), parsing: .upToNextOption,
        help: "Also stop the collectors of these managed machines over ssh: all, or machine ids.")
    var machines: [String] = []

    @OptionGroup var fleet: FleetOptions

    func run() async throws {
        let target = try ControllerTarget.resolve(spec: spec, stateDir: options.stateDir)
        try await stopManaged(target)
        // Locked only when there is something to stop: down on a spec never applied creates nothing.
        let exists = FileManager.default.fileExists(atPath: target.state.url.path)
        let lock = exists ? try ApplyLock(state: target.state) : nil
        let stopped = await Teardown.stopAll(state: target.state, progress: ProgressLine())
        print(stopped == 0 ? "Nothing was running." : "Stopped \(stopped) process\(stopped == 1 ? "" : "es").")
        withExtendedLifetime(lock) {}
        guard purge else {
            print("Kept data and secrets in \(target.state.url.path); smsctl apply starts again from them.")
            return
        }
        let path = target.state.url.path
        guard FileManager.default.fileExists(atPath: path) else { return print("Nothing to purge at \(path).") }
        guard try Confirmation.granted("Delete \(path) (secrets, logs and history)?", yes: yes, action: "delete \(path)") else {
            return print("Kept \(path).")
        }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw ControllerError("cannot delete \(path) (\(error)); check its permissions and delete it by hand")
        }
        print("Deleted \(path).")
        if let spec = target.runningSpec, let dir = spec.hub.dataDir, !dir.isEmpty {
            print(
                "hub.data_dir (\(target.state.dataDir(for: spec, specFile: target.specFile).path)) is outside "
                    + "the state directory and was kept.")
        }
    }

    /// Stops the managed machines' collectors that `--machines` names; exits 1 if one cannot be stopped.
    private func stopManaged(_ target: ControllerTarget) async throws {
        guard !machines.isEmpty else { return }
        let recorded = target.applied?.managed ?? [:]
        let ids = machines == ["all"] ? recorded.keys.sorted() : machines
        if let unknown = ids.first(where: { recorded[$0] == nil }) {
            throw ValidationError(
                "\(unknown) is not a machine apply manages over ssh; managed: \(recorded.keys.sorted().joined(separator: ", "))")
        }
        guard let spec = target.runningSpec ?? target.spec else { return }
        let remote = fleet.fleet(spec: spec, target: target)
        let failed = await remote.stop(ids).filter { $0.1 != nil }
        await remote.closeConnections()
        if !failed.isEmpty {
            for (id, error) in failed { print("  \(id): not stopped: \(error ?? "")") }
            throw ExitCode(1)
        }
    }
}
