import ArgumentParser
import Foundation
import Controller
import SMSCore
import Services
import Spec

/// `smsctl collector-cmd MACHINE [SPEC]`: the command to run on a remote machine, and where its token comes from.
struct CollectorCmdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collector-cmd",
        abstract: "Print the collector command for a machine and where its token comes from (never the token).")

    @Argument(help: "The machine id, as in the spec.")
    var machine: String

    @Argument(help: "The spec file (default: the one in --state-dir, else specs/home.yaml).")
    var spec: String?

    @OptionGroup var options: ControllerOptions

    func run() async throws {
        let target = try ControllerTarget.resolve(spec: spec, stateDir: options.stateDir)
        guard let loaded = target.spec else {
            for d in target.load.diagnostics { FileHandle.standardError.write(Data((d.description + "\n").utf8)) }
            throw ExitCode(1)
        }
        guard let m = loaded.machine(machine) else {
            throw ControllerError(
                "machine \"\(machine)\" is not in \(target.specFile); known: "
                    + loaded.machines.map(\.id).joined(separator: ", "))
        }
        let renderDir = ControllerTarget.renderDirectory(specFile: target.specFile)
        let files = Renderer.render(spec: loaded, specFile: target.specFile, outDir: renderDir.path)
        guard let script = files.first(where: { $0.path == "collectors/\(m.id).sh" }) else {
            throw ControllerError("the renderer made no collectors/\(m.id).sh for \(m.id); please report this")
        }
        if m.isLocal {
            print("# \(m.id) is local (host \(m.host)): smsctl apply runs its collector; for another machine:")
        }
        print("# \(renderDir.path)/collectors/\(m.id).sh (written by smsctl apply or smsctl render):")
        print(script.contents)
        print("# Token of \(m.id): \(tokenSource(m, state: target.state))")
    }

    /// Where the token is, never what it is.
    func tokenSource(_ m: Machine, state: StateDirectory) -> String {
        switch m.token.source {
        case .generated:
            let file = state.tokenFile(machine: m.id)
            let exists = FileManager.default.fileExists(atPath: file.path)
            return "generated, in \(file.path)" + (exists ? "" : " (created by the next smsctl apply)")
                + "; copy it to that machine with mode 0600"
        case .env(let name):
            return "the environment variable \(name), on the hub's machine and on \(m.id)"
        case .file(let path):
            return "the file \(path) (relative to the spec); copy it to that machine with mode 0600"
        case .literal:
            return "written in the spec (discouraged: use token_file: or token: ${ENV} instead)"
        }
    }
}
