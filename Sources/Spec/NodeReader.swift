import Yams

/// A line and column in the spec file.
struct Location: Sendable, Equatable {
    var line: Int
    var column: Int
    static let start = Location(line: 1, column: 1)
    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    init(_ node: Node?) {
        self = node?.mark.map { Location(line: $0.line, column: $0.column) } ?? .start
    }
}

/// One scalar as read: its text after `${VAR}` substitution, and how it was written.
struct ScalarValue {
    var text: String
    var written: String
    var isPlain: Bool
    var substitution: Substitution
    var node: Node

    /// The value as a message quotes it; a value from the environment is shown as written, never resolved.
    var shown: String {
        let raw = substitution.isSubstituted ? written : text
        let clipped = raw.count > 60 ? raw.prefix(57) + "..." : Substring(raw)
        return "\"" + clipped.replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            + "\""
    }

    /// True for `~`, `null` and an empty plain value: YAML's null.
    var isNull: Bool { isPlain && !substitution.isSubstituted && ["", "~", "null", "Null", "NULL"].contains(written) }
}

/// A mapping's entries by key, in the order written, `<<` merges applied.
struct Entries {
    var node: Node
    var path: String
    var pairs: [(key: String, keyNode: Node, value: Node)] = []

    subscript(key: String) -> Node? { pairs.first { $0.key == key }?.value }
    /// The value for `key` unless it is absent or YAML null (`key:` with nothing after it).
    func present(_ key: String) -> Node? {
        guard let value = self[key] else { return nil }
        if case .scalar(let s) = value, s.style == .plain, ["", "~", "null", "Null", "NULL"].contains(s.string) {
            return nil
        }
        return value
    }
    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

/// Walks the composed YAML tree and reports every problem with its line, column and key path.
///
/// Decoding is done by hand rather than with `Codable` because Yams' `DecodingError` carries no marks.
struct SpecReader {
    let file: String
    let environment: [String: String]
    let baseDirectory: String
    var diagnostics: [Diagnostic] = []
    /// Where each key path's value was written; the validator points its diagnostics here.
    var locations: [String: Location] = [:]
    /// For each list section (`machines`, `alerts`…), the key path of each model item, in model order;
    /// items the reader dropped have none, and the built-in `machine_down` has "".
    var itemPaths: [String: [String]] = [:]
    /// Key paths whose value came from `${VAR}`: messages about them never print the value.
    var substituted: Set<String> = []

    init(file: String, environment: [String: String], baseDirectory: String) {
        self.file = file
        self.environment = environment
        self.baseDirectory = baseDirectory
    }

    mutating func error(_ node: Node?, _ path: String, _ message: String) {
        error(at: Location(node), path, message)
    }
    mutating func error(at location: Location, _ path: String, _ message: String) {
        diagnostics.append(
            Diagnostic(file: file, line: location.line, column: location.column, path: path, message: message))
    }
    mutating func warning(_ node: Node?, _ path: String, _ message: String) {
        let at = Location(node)
        diagnostics.append(
            Diagnostic(file: file, line: at.line, column: at.column, path: path, severity: .warning, message: message))
    }

    /// Records where `path` was written, for the validator.
    mutating func note(_ path: String, _ node: Node) { locations[path] = Location(node) }

    /// A mapping's entries; every key not in `allowed` is an error with a suggestion. Nil when not a mapping.
    mutating func mapping(_ node: Node, _ path: String, allowed: [String]?) -> Entries? {
        note(path, node)
        guard case .mapping(let mapping) = node else {
            error(node, path, "expected a mapping of keys to values, got \(describe(node))")
            return nil
        }
        var entries = Entries(node: node, path: path)
        var merged: [(String, Node, Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                error(keyNode, path, "keys must be plain names, got \(describe(keyNode))")
                continue
            }
            if key.string == "<<" && key.style == .plain {
                merged += mergeSource(value, path)
                continue
            }
            if let allowed, !allowed.contains(key.string) {
                let hint = DidYouMean.hint(for: key.string, among: allowed)
                error(keyNode, entries.path(key.string), "unknown key \"\(key.string)\"\(hint)")
                continue
            }
            entries.pairs.append((key.string, keyNode, value))
        }
        // Keys written in the mapping win over keys merged in with `<<: *anchor`.
        for (key, keyNode, value) in merged where entries[key] == nil {
            if let allowed, !allowed.contains(key) {
                error(keyNode, entries.path(key), "unknown key \"\(key)\"\(DidYouMean.hint(for: key, among: allowed))")
                continue
            }
            entries.pairs.append((key, keyNode, value))
        }
        return entries
    }

    /// The pairs a `<<` merge key brings in: one mapping or a list of mappings.
    private mutating func mergeSource(_ value: Node, _ path: String) -> [(String, Node, Node)] {
        let sources: [Node] = value.sequence.map { Array($0) } ?? [value]
        var pairs: [(String, Node, Node)] = []
        for source in sources {
            guard case .mapping(let mapping) = source else {
                error(source, path, "\"<<\" merges a mapping, got \(describe(source))")
                continue
            }
            for (keyNode, value) in mapping {
                if let key = keyNode.scalar?.string { pairs.append((key, keyNode, value)) }
            }
        }
        return pairs
    }

    /// A list's items; a scalar or mapping where a list belongs is an error. Nil when not a list.
    mutating func list(_ node: Node, _ path: String) -> [Node]? {
        note(path, node)
        guard case .sequence(let sequence) = node else {
            error(node, path, "expected a list, got \(describe(node))")
            return nil
        }
        return Array(sequence)
    }

    /// A scalar with `${VAR}` substituted; reports non-scalars and unset variables. Nil on any problem.
    mutating func scalar(_ node: Node, _ path: String, expected: String) -> ScalarValue? {
        note(path, node)
        guard case .scalar(let scalar) = node else {
            error(node, path, "expected \(expected), got \(describe(node))")
            return nil
        }
        // `!!str 0123` is as good as quoting it.
        let isPlain = scalar.style == .plain && scalar.tag.rawValue != Tag.Name.str.rawValue
        let substitution = EnvSubstitution.apply(scalar.string, environment: environment)
        if let problem = substitution.malformed {
            error(node, path, problem)
            return nil
        }
        if !substitution.missing.isEmpty {
            for name in substitution.missing {
                error(node, path, "environment variable \(name) is not set; set it or write ${\(name):-default}")
            }
            return nil
        }
        if substitution.isSubstituted { substituted.insert(path) }
        return ScalarValue(
            text: substitution.text, written: scalar.string, isPlain: isPlain, substitution: substitution, node: node)
    }

    /// How a message names what was found: `a mapping`, `a list`, `null` or the quoted scalar.
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let s):
            if s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string) { return "null" }
            let value = ScalarValue(
                text: s.string, written: s.string, isPlain: s.style == .plain,
                substitution: Substitution(text: s.string),
                node: node)
            return value.shown
        }
    }
}
