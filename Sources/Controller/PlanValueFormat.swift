import Services
import SMSCore
import Foundation
import Spec

/// How plan lines spell values: short, stable, and never a secret.
enum Format {
    /// `80`, `72.5`, `none`.
    static func number(_ value: Double?) -> String {
        guard let value else { return "none" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func duration(_ value: SpecDuration?) -> String { value.map(\.description) ?? "none" }

    /// `{mount: /, role: db}` sorted by key; `{}` when empty.
    static func map(_ labels: [String: String]) -> String {
        "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
    }

    static func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

    /// Ids as a list, labels as a map, `all` when empty.
    static func selector(_ s: MachineSelector) -> String {
        if s.isEmpty { return "all" }
        return s.ids.isEmpty ? map(s.labels) : list(s.ids)
    }

    /// Header names with where their values come from (never the values).
    static func secrets(_ headers: [String: Secret]) -> String {
        map(headers.mapValues(\.description))
    }

    static func minute(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }

    static func override(_ o: ThresholdOverride?) -> String {
        guard let o else { return "none" }
        var parts: [String] = []
        if let w = o.warning { parts.append("warning \(number(w))") }
        if let c = o.critical { parts.append("critical \(number(c))") }
        if let c = o.clear { parts.append("clear \(number(c))") }
        if let e = o.enabled { parts.append(e ? "enabled" : "disabled") }
        return parts.isEmpty ? "{}" : parts.joined(separator: ", ")
    }
}

/// Removes what may be secret from URLs before they are printed: the password, and for webhooks the path.
enum Redact {
    /// `https://hooks.slack.com/…` and `redis://:***@10.0.0.5:6379/0`: scheme and host, no credentials or path.
    static func url(_ text: String) -> String {
        guard let url = URLComponents(string: text), let scheme = url.scheme, let host = url.host else {
            return "<unparsed url>"
        }
        let port = url.port.map { ":\($0)" } ?? ""
        let rest = url.path.isEmpty || url.path == "/" ? "" : "/…"
        return "\(scheme)://\(host)\(port)\(rest)"
    }

    /// `embedded`, or the backend URL without its password.
    static func backend(_ state: StateBackend) -> String {
        switch state {
        case .embedded: "embedded"
        case .redis(let url): withoutPassword(url)
        }
    }

    static func backend(_ history: HistoryBackend) -> String {
        switch history {
        case .embedded: "embedded"
        case .postgres(let url): withoutPassword(url)
        }
    }

    /// The URL with any password replaced by `***` (users and paths are kept: they help tell backends apart).
    static func withoutPassword(_ text: String) -> String {
        guard var url = URLComponents(string: text) else { return "<unparsed url>" }
        if url.password != nil { url.password = "***" }
        return url.string ?? "<unparsed url>"
    }
}
