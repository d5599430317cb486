import Foundation
import Yams

/// Typed scalar reads that name the expected type and catch YAML 1.1 traps (`no`, `on`, `0123`).
extension SpecReader {
    /// Plain words that YAML 1.1 tools read as booleans, so they must be quoted where text is meant.
    static let yaml11Booleans: Set<String> = ["y", "n", "yes", "no", "on", "off", "true", "false"]

    /// A string; a plain `yes`/`off`/`0123` (read as a boolean or octal number by YAML 1.1 tools) is an error.
    /// A string that is written into generated files (hosts, paths, images): one line, no control characters, so
    /// it can never start a line of its own in a rendered script or unit.
    mutating func line(_ node: Node, _ path: String) -> String? {
        guard let text = string(node, path) else { return nil }
        if let bad = text.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            let what = bad == "\n" ? "a line break" : "a control character (U+\(String(bad.value, radix: 16, uppercase: true)))"
            error(node, path, "must be one line without control characters, got \(what); it is written into generated files")
            return nil
        }
        return text
    }

    mutating func string(_ node: Node, _ path: String, allowEmpty: Bool = false) -> String? {
        guard let value = scalar(node, path, expected: "a string") else { return nil }
        if value.isNull && !allowEmpty {
            error(node, path, "expected a string, got null")
            return nil
        }
        if value.isPlain && !value.substitution.isSubstituted {
            if Self.yaml11Booleans.contains(value.text.lowercased()) {
                error(
                    node, path,
                    "expected a string, got \(value.text), which YAML reads as a boolean; quote it: \(value.shown)")
                return nil
            }
            if Self.hasLeadingZero(value.text) {
                let problem = "has a leading zero, which YAML 1.1 reads as an octal number"
                error(node, path, "\(value.shown) \(problem); quote it: \(value.shown)")
                return nil
            }
        }
        if !allowEmpty && value.text.isEmpty {
            error(node, path, "must not be empty")
            return nil
        }
        return value.text
    }

    /// An integer in `range`; `expected` names it in messages ("an integer 1–65535").
    mutating func int(_ node: Node, _ path: String, range: ClosedRange<Int>, expected: String) -> Int? {
        guard let value = numericText(node, path, expected: expected) else { return nil }
        guard value.text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "+") }),
            let number = Int(value.text), range.contains(number)
        else {
            error(node, path, "expected \(expected), got \(value.shown)")
            return nil
        }
        return number
    }

    /// A finite decimal number: `80`, `80.5`, `-3`, `1e3`.
    mutating func double(_ node: Node, _ path: String) -> Double? {
        guard let value = numericText(node, path, expected: "a number") else { return nil }
        let allowed = CharacterSet(charactersIn: "0123456789+-.eE")
        guard value.text.unicodeScalars.allSatisfy(allowed.contains), value.text.contains(where: \.isNumber),
            let number = Double(value.text), number.isFinite
        else {
            error(node, path, "expected a number, got \(value.shown)")
            return nil
        }
        return number
    }

    /// The text of a number field, after the checks every number shares: not quoted, no leading zero.
    private mutating func numericText(_ node: Node, _ path: String, expected: String) -> ScalarValue? {
        guard let value = scalar(node, path, expected: expected) else { return nil }
        if value.isNull {
            error(node, path, "expected \(expected), got null")
            return nil
        }
        if !value.isPlain && !value.substitution.isSubstituted {
            error(node, path, "expected \(expected), got the string \(value.shown); remove the quotes")
            return nil
        }
        if Self.hasLeadingZero(value.text) {
            let trimmed = value.text.drop { $0 == "0" || $0 == "+" || $0 == "-" }
            error(node, path, "\(value.shown) has a leading zero, which YAML 1.1 reads as octal; write \(trimmed)")
            return nil
        }
        return value
    }

    /// `true` or `false`; `yes`, `on` and quoted booleans are refused rather than guessed.
    mutating func bool(_ node: Node, _ path: String) -> Bool? {
        guard let value = scalar(node, path, expected: "true or false") else { return nil }
        let lowered = value.text.lowercased()
        if value.isPlain || value.substitution.isSubstituted, lowered == "true" || lowered == "false" {
            return lowered == "true"
        }
        let hint = !value.isPlain && (lowered == "true" || lowered == "false") ? "; remove the quotes" : ""
        error(node, path, "expected true or false, got \(value.isNull ? "null" : value.shown)\(hint)")
        return nil
    }

    /// A duration (`30s`, `5m`, `1h30m`, `0`), optionally within `bounds`.
    mutating func duration(_ node: Node, _ path: String, bounds: ClosedRange<SpecDuration>? = nil) -> SpecDuration? {
        let expected = "a duration such as 30s, 5m or 48h"
        guard let value = scalar(node, path, expected: expected) else { return nil }
        let parsed = value.text == "0" ? SpecDuration.zero : SpecDuration(parsing: value.text)
        guard let duration = parsed else {
            let missingUnit =
                !value.text.isEmpty && value.text.allSatisfy(\.isNumber) ? " (add a unit: s, m, h, d)" : ""
            error(node, path, "expected \(expected), got \(value.isNull ? "null" : value.shown)\(missingUnit)")
            return nil
        }
        if let bounds, !bounds.contains(duration) {
            let range = "\(bounds.lowerBound.inDays) and \(bounds.upperBound.inDays)"
            error(node, path, "must be between \(range), got \(value.shown)")
            return nil
        }
        return duration
    }

    /// One of `choices`, with a suggestion when the value is close to one.
    mutating func choice(_ node: Node, _ path: String, _ choices: [String]) -> String? {
        let expected = choices.map { "\"\($0)\"" }.joined(separator: ", ")
        guard let value = scalar(node, path, expected: "one of \(expected)") else { return nil }
        guard choices.contains(value.text) else {
            let hint = DidYouMean.hint(for: value.text, among: choices)
            error(node, path, "expected one of \(expected), got \(value.isNull ? "null" : value.shown)\(hint)")
            return nil
        }
        return value.text
    }

    /// A mapping of strings to strings, such as `labels`; keys and values obey the string rules.
    mutating func stringMap(_ node: Node, _ path: String) -> [String: String]? {
        guard let entries = mapping(node, path, allowed: nil) else { return nil }
        var result: [String: String] = [:]
        var ok = true
        for (key, keyNode, value) in entries.pairs {
            let keyPath = entries.path(key)
            if Self.yaml11Booleans.contains(key.lowercased()), keyNode.scalar?.style == .plain {
                error(keyNode, keyPath, "key \"\(key)\" is read as a boolean by YAML 1.1 tools; quote it: \"\(key)\"")
                ok = false
            }
            if let text = string(value, keyPath) { result[key] = text } else { ok = false }
        }
        return ok ? result : nil
    }

    /// A list of strings, such as machine ids or channel names.
    mutating func stringList(_ node: Node, _ path: String) -> [String]? {
        guard let items = list(node, path) else { return nil }
        var result: [String] = []
        var ok = true
        for (index, item) in items.enumerated() {
            if let text = string(item, "\(path)[\(index)]") { result.append(text) } else { ok = false }
        }
        return ok ? result : nil
    }

    /// `0123`, `-007`: digits after a zero, which YAML 1.1 reads as octal.
    static func hasLeadingZero(_ text: String) -> Bool {
        let digits = text.drop { $0 == "+" || $0 == "-" }
        return digits.count > 1 && digits.first == "0" && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

extension SpecDuration {
    /// Like `description`, but whole days stay days (`30d`, not `4w2d`): how people write bounds.
    var inDays: String {
        let day: Int64 = 86_400_000
        return milliseconds >= day && milliseconds % day == 0 ? "\(milliseconds / day)d" : description
    }
}
