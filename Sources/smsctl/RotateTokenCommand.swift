import ArgumentParser
import Controller
import Foundation

/// `smsctl rotate-token MACHINE`: a new token for a managed machine, installed over ssh; the old one revoked.
struct RotateTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-token",
        abstract: "Give a managed machine a new token over ssh and revoke the old one, losing no sample.",
        discussion: HelpText.reflow(
            """
            The new token is installed on the machine (mode 0600, over ssh's standard input), then replaces the old
            one at the hub, whose reload ends the stream still on the old one and refuses it from then on; the
            collector reconnects with the new one (it reads its token file at each connection) and replays from its
            buffer what it sampled meanwhile: it never stops sampling. For a machine whose token comes from ${VAR} or
            token_file:, change it there and run apply.
              smsctl rotate-token nfrt specs/home.yaml
            """))

    @Argument(help: "The managed machine's id.")
    var machine: String

    @Argument(help: "The spec file (default: the one in --state-dir, else specs/home.yaml).")
    var spec: String?

    @OptionGroup var options: ControllerOptions

    @OptionGroup var fleet: FleetOptions

    func run() async throws {
        let target = try ControllerTarget.resolve(spec: spec, stateDir: options.stateDir)
        guard let applied = target.runningSpec else {
            throw ControllerError("nothing was applied from \(target.specFile) yet; run smsctl apply first")
        }
        let lock = try ApplyLock(state: target.state)
        defer { withExtendedLifetime(lock) {} }
        let remote = fleet.fleet(spec: applied, target: target)
        var failure: (any Error)?
        do {
            try await remote.rotateToken(machine, hub: HubClient(spec: applied, specFile: target.specFile, state: target.state))
        } catch {
            failure = error
        }
        await remote.closeConnections()
        if let failure {
            print("✗ \(machine): \(failure)")
            throw ExitCode(1)
        }
    }
}
