/// What substituting `${VAR}` and `${VAR:-default}` in one scalar produced.
struct Substitution: Sendable, Equatable {
    /// The text with every reference replaced (missing variables become empty).
    var text: String
    /// Every variable the scalar names, in order: a secret read from `${NAME}` keeps the name, not the value.
    var variables: [String] = []
    /// Variables that are unset and have no default: each is an error.
    var missing: [String] = []
    /// Why the scalar's `${…}` syntax is broken, if it is.
    var malformed: String?

    /// True when the scalar contained any reference: its value is not what the spec file shows.
    var isSubstituted: Bool { !variables.isEmpty }
}

/// Replaces `${NAME}` and `${NAME:-default}` in scalar values, the way a shell or Docker Compose does.
///
/// `${NAME:-default}` uses the default when NAME is unset or empty; `$${` writes a literal `${`.
enum EnvSubstitution {
    /// Substitutes every reference in `text` from `environment`.
    static func apply(_ text: String, environment: [String: String]) -> Substitution {
        guard text.contains("$") else { return Substitution(text: text) }
        var result = Substitution(text: "")
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result.text += rest[..<dollar]
            let after = rest[dollar...].dropFirst()
            if after.hasPrefix("${") {  // `$${` is an escaped `${`
                result.text += "${"
                rest = after.dropFirst(2)
                continue
            }
            guard after.hasPrefix("{") else {
                result.text += "$"
                rest = after
                continue
            }
            guard let close = after.firstIndex(of: "}") else {
                result.malformed = "unterminated \"${\"; write ${NAME} or ${NAME:-default}"
                return result
            }
            let body = after[after.index(after: after.startIndex)..<close]
            rest = after[after.index(after: close)...]
            let (name, fallback) = split(body)
            guard isValidName(name) else {
                result.malformed = "\"${\(body)}\" is not a variable reference; names are letters, digits and _"
                return result
            }
            result.variables.append(name)
            if let value = environment[name], !(fallback != nil && value.isEmpty) {
                result.text += value
            } else if let fallback {
                result.text += fallback
            } else {
                result.missing.append(name)
            }
        }
        result.text += rest
        return result
    }

    /// `NAME:-default` → (NAME, default); `NAME` → (NAME, nil).
    private static func split(_ body: Substring) -> (String, String?) {
        guard let range = body.range(of: ":-") else { return (String(body), nil) }
        return (String(body[..<range.lowerBound]), String(body[range.upperBound...]))
    }

    /// Letters, digits and `_`, not starting with a digit.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0)
                || ("0"..."9").contains($0)
        }
    }
}
