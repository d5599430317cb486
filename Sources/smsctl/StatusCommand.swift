import ArgumentParser
import Foundation
import Controller
import SMSCore
import Services

/// `smsctl status [SPEC]`: the local processes, the machines, alerts firing and edges, in aligned tables.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show services, machines (connected, last seen, lag, drift), alerts firing and edges.",
        discussion: HelpText.reflow(
            """
            SPEC defaults to the spec recorded in --state-dir, else specs/home.yaml.
            Exit status: 0 everything declared is healthy and no alert is critical; 3 something declared is
            not healthy (or nothing runs); 4 an alert is firing at critical severity; 1 error.
            """))

    @Argument(help: "The spec file (default: the one in --state-dir, else specs/home.yaml).")
    var spec: String?

    @OptionGroup var options: ControllerOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Flag(name: [.customShort("w"), .long], help: "Refresh every 2 seconds until interrupted.")
    var watch = false

    func run() async throws {
        let target = try ControllerTarget.resolve(spec: spec, stateDir: options.stateDir)
        guard watch else {
            let report = try StatusReport.gather(target)
            try show(report)
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
            return
        }
        while !Task.isCancelled {
            let report = try StatusReport.gather(target)
            if output == .text { print("\u{1B}[H\u{1B}[2J", terminator: "") }
            try show(report)
            print(
                output == .text ? "\n(refreshing every 2s; Ctrl-C to stop)" : "",
                terminator: output == .text ? "\n" : "")
            fflush(nil)
            try await Task.sleep(for: .seconds(2))
        }
    }

    private func show(_ report: StatusReport) throws {
        switch output {
        case .text:
            print(StatusText.render(report), terminator: "")
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }
}
