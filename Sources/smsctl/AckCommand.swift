import ArgumentParser
import Foundation
import Controller
import SMSCore
import Services
import Spec

/// `smsctl ack add|list|rm`: say "I'm on it" about a firing alert, so its notifications stop repeating.
///
/// An acknowledgement belongs to the alert's current firing period: when the alert resolves and fires again,
/// it is unacknowledged. It lives in `silences.json` in the state directory, which the running hub re-reads
/// within a few seconds; an escalation (warning → critical) and the resolution are still sent.
struct AckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Acknowledge a firing alert: its repeated notifications stop until it resolves.",
        discussion: HelpText.reflow(
            """
            Examples:
              smsctl ack add --machine web-3 --rule cpu_high --comment "deploy in progress"
              smsctl ack list
              smsctl ack rm 1a2b3c4d
            The alert must be firing now (`smsctl status` lists them); the hub must be running to say so.
            """),
        subcommands: [Add.self, List.self, Remove.self]
    )

    /// `smsctl ack add --machine M --rule R [--series S] [--comment TEXT]`.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Acknowledge the firing alert of a rule on a machine.")

        @OptionGroup var location: SilenceCommand.Location
        @Option(help: "The machine the alert fires on.") var machine: String
        @Option(help: "The alert rule.") var rule: String
        @Option(help: "The series, when the rule fires for several (e.g. 'disk.used_percent{mount=\"/\"}').")
        var series: String?
        @Option(help: "What you are doing about it: shown in `ack list`, `status` and on the dashboard.")
        var comment: String = ""

        func run() throws {
            let (store, _) = try location.open()
            let target = try ControllerTarget.resolve(spec: location.spec, stateDir: location.stateDir)
            guard let spec = target.runningSpec else {
                throw AckFailure("no valid spec to find the hub from; fix it (smsctl validate) or pass --state-dir")
            }
            let hub = HubClient(spec: spec, specFile: target.specFile, state: target.state)
            guard let answer = hub.alerts(timeout: 5) else {
                throw AckFailure(
                    "the hub at \(hub.dashboardURL) does not answer; acknowledging needs it to say what fires"
                        + " (start it with smsctl apply)")
            }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let made = Acknowledgement.of(
                answer.alerts, machine: machine, rule: rule, series: series, atMs: now,
                by: ProcessInfo.processInfo.environment["USER"], comment: comment)
            let ack: Acknowledgement
            switch made {
            case .success(let value): ack = value
            case .failure(let error): throw AckFailure("\(error)")
            }
            do {
                try store.modify(nowMs: now) { contents in
                    contents.acknowledgements = Acknowledgement.current(contents.acks, active: answer.alerts) + [ack]
                }
            } catch {
                throw AckFailure("\(error)")
            }
            print(
                "acknowledgement \(ack.id): \(ack.key) (firing since \(SilenceCommand.format(ack.firingSinceMs)));"
                    + " repeats held back until it resolves")
        }
    }

    /// `smsctl ack list [-o json]`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Show acknowledgements.")

        @OptionGroup var location: SilenceCommand.Location
        @Option(name: [.customLong("output"), .customShort("o")], help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() throws {
            let acks: [Acknowledgement]
            do { acks = try location.open().0.read().acks } catch let error as SilenceStoreError {
                throw AckFailure("\(error)")
            }
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(acks), as: UTF8.self))
            case .text:
                guard !acks.isEmpty else { return print("no acknowledgements") }
                let rows = acks.sorted { $0.atMs < $1.atMs }.map { a in
                    [a.id, a.machine, a.series.isEmpty ? a.rule : "\(a.rule) \(a.series)",
                     SilenceCommand.format(a.firingSinceMs), a.by ?? "-", a.comment]
                }
                SilenceCommand.printTable([["ID", "MACHINE", "ALERT", "FIRING SINCE", "BY", "COMMENT"]] + rows)
            }
        }
    }

    /// `smsctl ack rm ID`.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Remove an acknowledgement by its id: notifications repeat again.")

        @OptionGroup var location: SilenceCommand.Location
        @Argument(help: "The acknowledgement's id, as `ack list` shows it.") var id: String

        func run() throws {
            let store = try location.open().0
            let removed: Bool
            do {
                removed = try store.modify(nowMs: Int64(Date().timeIntervalSince1970 * 1000)) { contents in
                    let before = contents.acks.count
                    contents.acknowledgements = contents.acks.filter { $0.id != id }
                    return contents.acks.count < before
                }
            } catch {
                throw AckFailure("\(error)")
            }
            guard removed else { throw AckFailure("no acknowledgement \"\(id)\"; see `smsctl ack list`") }
            print("acknowledgement \(id) removed")
        }
    }
}

/// A failed acknowledgement step, printed as one `error: …` line with exit 1.
struct AckFailure: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = "error: \(text)" }
}
