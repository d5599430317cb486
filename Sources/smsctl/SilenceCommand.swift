import ArgumentParser
import Foundation
import Controller
import SMSCore
import Services
import Spec

/// `smsctl silence add|list|rm`: mute alert notifications for a machine and/or rule for a while.
///
/// Silences live in `silences.json` in the state directory; the running hub re-reads the file within a few
/// seconds (and on SIGHUP). Alerts stay visible on the dashboard while muted.
struct SilenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence",
        abstract: "Mute alert notifications for a machine and/or rule for a while.",
        subcommands: [Add.self, List.self, Remove.self]
    )

    /// Where the silences file is: the spec's state directory, or `--state-dir`.
    struct Location: ParsableArguments {
        @Option(name: .long, help: "The spec file (default: the one in --state-dir, else specs/home.yaml); it names the state directory and checks names.")
        var spec: String?

        @Option(name: .long, help: "The state directory (default: .sms/<name>/ beside the spec).")
        var stateDir: String?

        /// The silences file and, when a spec was given, the spec (to check machine and rule names).
        func open() throws -> (SilenceStore, Spec?) {
            var loaded: Spec?
            // As status, down and logs do: the spec given, else the one the state directory recorded, else
            // specs/home.yaml here.
            let spec = try self.spec ?? (stateDir == nil ? ControllerTarget.specPath(given: nil, stateDir: nil) : nil)
            if let spec {
                let result = SpecLoader.load(file: spec)
                guard let value = result.spec, !result.hasErrors else {
                    for d in result.diagnostics { FileHandle.standardError.write(Data((d.description + "\n").utf8)) }
                    throw ExitCode(result.isUnreadable ? 2 : 1)
                }
                loaded = value
            }
            guard let name = loaded?.name ?? (stateDir != nil ? "" : nil) else {
                throw ValidationError("give --spec FILE (or --state-dir DIR) to say which deployment to silence")
            }
            let directory = StateDirectory(specFile: spec ?? ".", specName: name, override: stateDir)
            return (SilenceStore(url: directory.silencesFile), loaded)
        }
    }

    /// `smsctl silence add --machine nfrt --rule cpu_high --for 2h --reason "…"`.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Mute notifications for a machine and/or rule for a duration.")

        @OptionGroup var location: Location
        @Option(help: "Machine id to mute (default: every machine).") var machine: String?
        @Option(help: "Alert rule to mute (default: every rule).") var rule: String?
        @Option(name: .customLong("for"), help: "How long, e.g. 30m, 2h, 1d.") var duration: String
        @Option(help: "Why: shown in `silence list` and on muted alerts.") var reason: String

        func run() throws {
            guard machine != nil || rule != nil else {
                throw ValidationError("give --machine and/or --rule; a silence of everything is too easy to forget")
            }
            guard let length = SpecDuration(parsing: duration), length > .zero else {
                throw ValidationError("--for: expected a duration such as 30m or 2h, got \"\(duration)\"")
            }
            let (store, spec) = try location.open()
            if let spec { try check(spec) }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let silence = Silence(
                machine: machine, rule: rule, startsMs: now, endsMs: now + length.milliseconds, reason: reason,
                createdBy: ProcessInfo.processInfo.environment["USER"])
            do {
                try store.update(nowMs: now) { $0.append(silence) }
            } catch {
                throw SilenceFailure(error)
            }
            let what = [machine.map { "machine \($0)" }, rule.map { "rule \($0)" }].compactMap { $0 }
            print(
                "silence \(silence.id): \(what.joined(separator: ", ")) muted for \(length) "
                    + "(until \(SilenceCommand.format(silence.endsMs))); the running hub applies it within a few seconds"
            )
        }

        /// Refuses names the spec does not declare: a typo would silence nothing.
        private func check(_ spec: Spec) throws {
            if let machine, spec.machine(machine) == nil {
                let known = spec.machines.map(\.id).joined(separator: ", ")
                throw ValidationError("--machine: no machine \"\(machine)\" in the spec (machines: \(known))")
            }
            if let rule, !spec.alerts.contains(where: { $0.name == rule }) {
                let known = spec.alerts.map(\.name).joined(separator: ", ")
                throw ValidationError("--rule: no alert rule \"\(rule)\" in the spec (rules: \(known))")
            }
        }
    }

    /// `smsctl silence list [-o json]`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Show silences.")

        enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

        @OptionGroup var location: Location
        @Option(name: [.customLong("output"), .customShort("o")], help: "Output format: text or json.")
        var format: Format = .text

        func run() throws {
            let silences: [Silence]
            do { silences = try location.open().0.load() } catch let error as SilenceStoreError {
                throw SilenceFailure(error)
            }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(silences), as: UTF8.self))
            case .text:
                guard !silences.isEmpty else { return print("no silences") }
                let rows = silences.sorted { $0.endsMs < $1.endsMs }.map { s in
                    let state = s.isActive(atMs: now) ? "active" : (s.endsMs <= now ? "expired" : "pending")
                    return [s.id, s.machine ?? "*", s.rule ?? "*", SilenceCommand.format(s.endsMs), state, s.reason]
                }
                SilenceCommand.printTable([["ID", "MACHINE", "RULE", "ENDS", "STATE", "REASON"]] + rows)
            }
        }
    }

    /// `smsctl silence rm ID`.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a silence by its id.")

        @OptionGroup var location: Location
        @Argument(help: "The silence's id, as `silence list` shows it.") var id: String

        func run() throws {
            let store = try location.open().0
            let removed: Bool
            do {
                removed = try store.update(nowMs: Int64(Date().timeIntervalSince1970 * 1000)) { silences in
                    let before = silences.count
                    silences.removeAll { $0.id == id }
                    return silences.count < before
                }
            } catch {
                throw SilenceFailure(error)
            }
            guard removed else {
                FileHandle.standardError.write(Data("error: no silence \"\(id)\"; see `smsctl silence list`\n".utf8))
                throw ExitCode(1)
            }
            print("silence \(id) removed")
        }
    }

    /// `2025-01-31 14:03` in local time.
    static func format(_ ms: Int64) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// Left-aligned columns, two spaces apart.
    static func printTable(_ rows: [[String]]) {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            print(cells.joined(separator: "  "))
        }
    }
}

/// A silences file problem, printed as `error: …` and exit 1.
struct SilenceFailure: Error, CustomStringConvertible {
    let description: String
    init(_ error: any Error) { description = "error: \(error)" }
}
