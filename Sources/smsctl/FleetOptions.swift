import ArgumentParser
import Controller
import Foundation
import Spec

/// Flags of the commands that reach managed machines over ssh (plan, apply, status, down).
struct FleetOptions: ParsableArguments {
    @Option(help: "An ssh config file to use instead of ~/.ssh/config (ssh -F).")
    var sshConfig: String?

    @Option(help: "The collector binary to install on managed machines (default: sms-collector beside smsctl).")
    var collectorBinary: String?

    @Option(help: "How many managed machines to work on at once.")
    var parallel = 8

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
    }

    /// The managed machines of `spec`, and those the last apply managed.
    func fleet(spec: Spec, target: ControllerTarget) -> RemoteFleet {
        let binary = collectorBinary.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: ProcessSupervisor.currentExecutable()).deletingLastPathComponent()
                .appendingPathComponent("sms-collector")
        var fleet = RemoteFleet(
            spec: spec, specFile: target.specFile, state: target.state, recorded: target.applied?.managed ?? [:], binaryURL: binary,
            sshConfig: sshConfig, log: FleetLog())
        fleet.parallel = parallel
        return fleet
    }
}
