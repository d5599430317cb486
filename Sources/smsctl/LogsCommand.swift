import ArgumentParser
import Foundation
import Controller
import SMSCore
import Services

/// `smsctl logs ROLE [SPEC]`: the log of a process apply started (`hub`, `collector-<id>`).
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the log of the hub or a local collector (ROLE: hub or collector-<machine>).")

    @Argument(help: "hub, or collector-<machine id> (e.g. collector-mcrn).")
    var role: String

    @Argument(help: "The spec file (default: the one in --state-dir, else specs/home.yaml).")
    var spec: String?

    @OptionGroup var options: ControllerOptions

    @Flag(name: [.customShort("f"), .long], help: "Keep printing what is appended, until interrupted.")
    var follow = false

    @Option(name: [.customShort("n"), .long], help: "How many lines from the end to print first.")
    var tail = 100

    func validate() throws {
        guard ControllerRole(name: role) != nil else {
            throw ValidationError("ROLE \"\(role)\" is neither hub nor collector-<machine> (e.g. collector-mcrn)")
        }
        guard tail >= 0 else { throw ValidationError("--tail must be 0 or more, got \(tail)") }
    }

    func run() async throws {
        let target = try ControllerTarget.resolve(spec: spec, stateDir: options.stateDir)
        let file = target.state.logFile(role: role)
        guard FileManager.default.fileExists(atPath: file.path) else {
            let known = ((try? FileManager.default.contentsOfDirectory(atPath: target.state.logs.path)) ?? [])
                .filter { $0.hasSuffix(".log") }.map { String($0.dropLast(4)) }.sorted()
            throw ControllerError(
                "no log for \(role) at \(file.path); "
                    + (known.isEmpty ? "has smsctl apply run?" : "known: \(known.joined(separator: ", "))"))
        }
        let start = LogTail.size(of: file)
        for line in LogTail.lines(of: file, count: tail) { print(line) }
        guard follow else { return }
        fflush(nil)
        await LogTail.follow(file, from: start) { FileHandle.standardOutput.write($0) }
    }
}
