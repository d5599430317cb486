import ArgumentParser
import Foundation
import Spec

/// `smsctl validate SPEC`: every problem in the spec, each with its line, column and key path.
///
/// Exit status: 0 valid (warnings go to stderr), 1 invalid, 2 unreadable file or usage error.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a spec and print every problem as FILE:LINE:COL: error: KEY.PATH: message.",
        discussion: "Exit status: 0 valid, 1 invalid, 2 unreadable file or usage error."
    )

    /// How the result is printed.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "The spec file, e.g. specs/home.yaml.")
    var spec: String

    @Option(name: [.customShort("o"), .customLong("output"), .customLong("format")], help: "Output format: text or json.")
    var format: Format = .text

    func run() throws {
        let result = SpecLoader.load(file: spec)
        switch format {
        case .text: printText(result)
        case .json: try printJSON(result)
        }
        if result.isUnreadable { throw ExitCode(2) }
        if result.hasErrors { throw ExitCode(1) }
    }

    /// Diagnostics one per line on stderr, then a summary line.
    private func printText(_ result: SpecLoadResult) {
        for diagnostic in result.diagnostics { Self.printError(diagnostic.description) }
        let warnings = Self.count(result.warnings.count, "warning")
        if let spec = result.spec, !result.hasErrors {
            let contents = [
                Self.count(spec.machines.count, "machine"), Self.count(spec.alerts.count, "alert"),
                Self.count(spec.edges.count, "edge"),
            ]
            let suffix = result.warnings.isEmpty ? "" : ", \(warnings)"
            print("\(result.file): valid (\(contents.joined(separator: ", ")))\(suffix)")
        } else {
            let errors = Self.count(result.errors.count, "error")
            Self.printError(
                result.warnings.isEmpty ? "\(result.file): \(errors)" : "\(result.file): \(errors), \(warnings)")
        }
    }

    /// `{"file", "valid", "diagnostics": [{file, line, column, path, severity, message}]}` on stdout.
    private func printJSON(_ result: SpecLoadResult) throws {
        struct Report: Encodable {
            var file: String
            var valid: Bool
            var diagnostics: [Diagnostic]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let report = Report(file: result.file, valid: !result.hasErrors, diagnostics: result.diagnostics)
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }

    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
