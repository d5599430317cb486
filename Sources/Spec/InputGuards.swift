import Foundation
import Yams

/// Refuses hostile or broken input before Yams builds a tree from it.
///
/// Yams expands aliases without limit and composes recursively, so the limits are enforced first:
/// the file size before reading, then nesting depth, expanded node count and duplicate keys by a
/// streaming scan of libyaml events (`YAMLEventScan`), which uses no recursion and expands nothing.
enum InputGuards {
    /// Specs are a few kilobytes; anything past this is a mistake or an attack.
    static let maxBytes = 1 << 20
    /// Deeper than any real spec (about 5 levels) and far below where a recursive walk could hurt.
    static let maxDepth = 64
    /// Nodes after alias expansion: a real spec has hundreds; a 9-level alias bomb has a billion.
    static let maxNodes = 100_000

    /// Why a file was not read.
    struct Refusal: Error {
        var message: String
        /// Missing, a directory, or no permission (exit 2), as opposed to refused content (exit 1).
        var isUnreadable: Bool

        func diagnostic(file: String) -> Diagnostic {
            Diagnostic(file: file, line: 1, column: 1, path: "", message: message)
        }
    }

    /// Reads at most `maxBytes + 1` bytes: a 50 MiB file (or `/dev/zero`) costs no more than 1 MiB.
    static func readFile(_ path: String) -> Result<String, Refusal> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(Refusal(message: "cannot read the spec: no such file", isUnreadable: true))
        }
        if isDirectory.boolValue {
            return .failure(Refusal(message: "cannot read the spec: it is a directory", isUnreadable: true))
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        if size > maxBytes { return .failure(tooLarge(size)) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(Refusal(message: "cannot read the spec: permission denied", isUnreadable: true))
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maxBytes + 1) ?? Data()
        } catch {
            return .failure(Refusal(message: "cannot read the spec: \(error.localizedDescription)", isUnreadable: true))
        }
        if data.count > maxBytes { return .failure(tooLarge(data.count)) }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(Refusal(message: "the spec is not valid UTF-8 text", isUnreadable: false))
        }
        return .success(text)
    }

    /// Every structural refusal for `text`; empty when it is safe to hand to Yams.
    static func check(_ text: String, file: String) -> [Diagnostic] {
        let bytes = text.utf8.count
        if bytes > maxBytes { return [tooLarge(bytes).diagnostic(file: file)] }
        return YAMLEventScan(file: file, maxDepth: maxDepth, maxNodes: maxNodes).scan(text)
    }

    static func tooLarge(_ bytes: Int) -> Refusal {
        let mib = String(format: "%.1f", Double(bytes) / 1_048_576)
        return Refusal(
            message: "the spec is \(mib) MiB; specs larger than 1 MiB are refused", isUnreadable: false)
    }

    /// A Yams error as a diagnostic at its line and column.
    static func diagnostic(for error: any Error, file: String) -> Diagnostic {
        guard let yamlError = error as? YamlError else {
            return Diagnostic(file: file, line: 1, column: 1, path: "", message: "cannot parse the spec: \(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text))" } ?? ""
            return Diagnostic(
                file: file, line: mark.line, column: mark.column, path: "",
                message: "yaml syntax error: \(problem)\(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return Diagnostic(
                file: file, line: context.mark.line, column: context.mark.column, path: "",
                message: "duplicate key \(names)")
        default:
            return Diagnostic(file: file, line: 1, column: 1, path: "", message: "cannot parse the spec: \(yamlError)")
        }
    }
}
