import Foundation
import Yams

/// `notify:` channels, `edges:` relays and `maintenance:` windows.
extension SpecReader {
    static let channelKeys = ["name", "webhook", "headers", "format"] + NotifyChannel.Format.kinds.map(\.rawValue)
    static let edgeKeys = ["name", "url", "token", "machines", "metrics", "ca"]
    static let windowKeys = ["name", "machines", "days", "start", "end"]

    /// A channel: `name` and exactly one kind key — `webhook:` (with `headers`, `format`) or a built-in kind's
    /// mapping (`email:`, `discord:`…) whose fields the format table lists.
    mutating func readChannel(_ node: Node, _ path: String) -> NotifyChannel? {
        guard let fields = mapping(node, path, allowed: Self.channelKeys) else { return nil }
        let channelName = required(fields, "name") { $0.name($1, $2) }
        let kindKeys = ["webhook"] + NotifyChannel.Format.kinds.map(\.rawValue)
        let written = fields.pairs.filter { kindKeys.contains($0.key) }
        guard let kind = written.first else {
            let others = NotifyChannel.Format.kinds.map(\.rawValue).joined(separator: ", ")
            error(fields.node, path, "missing required key \"webhook\" (or one of \(others))")
            return nil
        }
        for extra in written.dropFirst() {
            error(
                extra.keyNode, fields.path(extra.key),
                "a channel has one kind: give \"\(kind.key)\" or \"\(extra.key)\", not both (declare two channels)")
        }
        guard kind.key != "webhook", let format = NotifyChannel.Format(rawValue: kind.key) else {
            return readWebhook(fields, path, name: channelName)
        }
        for pair in fields.pairs where pair.key == "headers" || pair.key == "format" {
            error(pair.keyNode, fields.path(pair.key), "only webhook channels take \(pair.key); \(kind.key) has its own")
        }
        let settings = readSettings(kind.value, fields.path(kind.key), format)
        return channelName.map { NotifyChannel(name: $0, format: format, settings: settings ?? [:]) }
    }

    /// `webhook: URL` with optional `headers` (secrets) and `format: json|slack`.
    private mutating func readWebhook(_ fields: Entries, _ path: String, name channelName: String?) -> NotifyChannel? {
        let webhook = required(fields, "webhook") { $0.string($1, $2) }
        var channel = NotifyChannel(name: channelName ?? "", webhook: webhook ?? "")
        if let n = fields.present("headers"), let headers = mapping(n, "\(path).headers", allowed: nil) {
            for (key, _, value) in headers.pairs {
                // A header value is a secret: `Authorization: Bearer ${HOOK_TOKEN}` is never printed.
                if let secret = secret(value, headers.path(key), warnIfLiteral: false) { channel.headers[key] = secret }
            }
        }
        let formats = NotifyChannel.Format.webhookFormats.map(\.rawValue)
        if let n = fields.present("format"), let text = choice(n, "\(path).format", formats) {
            channel.format = NotifyChannel.Format(rawValue: text) ?? .json
        }
        return channelName == nil ? nil : channel
    }

    /// A built-in kind's fields, as its table says: each required one present, each secret as `${VAR}`, a literal
    /// (a warning) or `KEY_file`. Nil when the kind's value is not a mapping.
    private mutating func readSettings(_ node: Node, _ path: String, _ format: NotifyChannel.Format)
        -> [String: NotifySetting]?
    {
        let table = format.fields
        let allowed = table.map(\.key) + table.filter(\.isSecret).map { "\($0.key)_file" }
        guard let entries = mapping(node, path, allowed: allowed) else { return nil }
        var settings: [String: NotifySetting] = [:]
        for field in table {
            let fileKey = "\(field.key)_file"
            let valueNode = entries.present(field.key)
            let fileNode = field.isSecret ? entries.present(fileKey) : nil
            if valueNode != nil, let fileNode {
                error(fileNode, entries.path(fileKey), "give either \(field.key) or \(fileKey), not both")
            } else if let fileNode {
                if let file = line(fileNode, entries.path(fileKey)),
                    let secret = fileSecret(fileNode, entries.path(fileKey), file)
                {
                    settings[field.key] = .secret(secret)
                }
            } else if let valueNode {
                if let value = setting(valueNode, entries.path(field.key), field.kind) { settings[field.key] = value }
            } else if field.required {
                let alternative = field.isSecret ? " (or \(fileKey))" : ""
                error(entries.node, path, "missing required key \"\(field.key)\"\(alternative)")
            }
        }
        return settings
    }

    /// One field's value read as its kind says; its form (URL, address, server) is checked by the validator.
    private mutating func setting(_ node: Node, _ path: String, _ kind: NotifyField.Kind) -> NotifySetting? {
        switch kind {
        case .secret, .secretURL:
            return secret(node, path, warnIfLiteral: true).map(NotifySetting.secret)
        case .choice(let choices):
            return choice(node, path, choices).map(NotifySetting.text)
        case .addresses:
            if case .sequence(let items) = node, items.isEmpty {
                error(node, path, "list at least one address")
                return nil
            }
            if case .sequence = node {
                guard let items = list(node, path) else { return nil }
                let lines = items.enumerated().compactMap { line($1, "\(path)[\($0)]") }
                return lines.count == items.count ? .list(lines) : nil
            }
            return line(node, path).map { .list([$0]) }
        case .file:
            guard let file = line(node, path) else { return nil }
            // Relative to the spec's folder, as token files are; the file must be there now.
            let full = file.hasPrefix("/") ? file : URL(fileURLWithPath: baseDirectory).appendingPathComponent(file).path
            guard FileManager.default.isReadableFile(atPath: full) else {
                error(node, path, "cannot read \"\(file)\" (looked at \(full))")
                return nil
            }
            return .text(full)
        case .url, .server, .address, .text:
            return line(node, path).map(NotifySetting.text)
        }
    }

    mutating func readEdge(_ node: Node, _ path: String) -> Edge? {
        guard let fields = mapping(node, path, allowed: Self.edgeKeys) else { return nil }
        let edgeName = required(fields, "name") { $0.name($1, $2) }
        let url = required(fields, "url") { $0.string($1, $2) }
        let token = required(fields, "token") { $0.edgeToken($1, $2) }
        let machines = required(fields, "machines") { $0.stringList($1, $2) }
        var edge = Edge(name: edgeName ?? "", url: url ?? "", token: token ?? .generated, machines: machines ?? [])
        if let n = fields.present("metrics") { edge.metrics = stringList(n, "\(path).metrics") ?? edge.metrics }
        if let n = fields.present("ca"), let file = string(n, "\(path).ca") {
            // Relative to the spec's folder, as token files are; the file must be there now.
            let full = file.hasPrefix("/") ? file : URL(fileURLWithPath: baseDirectory).appendingPathComponent(file).path
            if FileManager.default.isReadableFile(atPath: full) {
                edge.ca = full
            } else {
                error(n, "\(path).ca", "cannot read the CA certificate \"\(file)\" (looked at \(full))")
            }
        }
        return edgeName == nil ? nil : edge
    }

    /// An edge token: `${NAME}` preferred; `${NAME:-}` left empty is allowed (a warning, see docs/spec.md).
    private mutating func edgeToken(_ node: Node, _ path: String) -> Secret? {
        guard let value = scalar(node, path, expected: "a string") else { return nil }
        if let variable = value.substitution.variables.first, value.text.isEmpty {
            warning(node, path, "edge token is empty; the edge will refuse pushes until \(variable) is set")
            return Secret(source: .env(variable), value: "")
        }
        return secret(node, path, warnIfLiteral: true)
    }

    mutating func readWindow(_ node: Node, _ path: String) -> MaintenanceWindow? {
        guard let fields = mapping(node, path, allowed: Self.windowKeys) else { return nil }
        let windowName = required(fields, "name") { $0.name($1, $2) }
        let start = required(fields, "start") { $0.timeOfDay($1, $2) }
        let end = required(fields, "end") { $0.timeOfDay($1, $2) }
        var window = MaintenanceWindow(name: windowName ?? "", startMinute: start ?? 0, endMinute: end ?? 0)
        if let n = fields.present("machines") { window.machines = selector(n, "\(path).machines") ?? MachineSelector() }
        if let n = fields.present("days"), let items = list(n, "\(path).days") {
            let names = MaintenanceWindow.Weekday.allCases.map(\.rawValue)
            window.days = items.enumerated().compactMap { index, item in
                choice(item, "\(path).days[\(index)]", names).flatMap(MaintenanceWindow.Weekday.init(rawValue:))
            }
        }
        if let start, let end, start == end, let n = fields.present("end") {
            error(n, "\(path).end", "must differ from start; a window that ends where it starts is empty")
        }
        return windowName == nil ? nil : window
    }

    /// `HH:MM` as minutes after midnight; `24:00` is the end of the day.
    mutating func timeOfDay(_ node: Node, _ path: String) -> Int? {
        guard let value = scalar(node, path, expected: "a time such as \"22:30\"") else { return nil }
        let parts = value.text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, parts[0].count <= 2, parts[1].count == 2,
            let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...59).contains(minutes),
            (0...23).contains(hours) || (hours == 24 && minutes == 0)
        {
            return hours * 60 + minutes
        }
        error(node, path, "expected a time such as \"22:30\" (00:00 to 24:00), got \(value.shown)")
        return nil
    }

    /// Reads a required key with `read`, or reports it missing at the mapping.
    mutating func required<T>(
        _ fields: Entries, _ key: String, _ read: (inout SpecReader, Node, String) -> T?
    ) -> T? {
        guard let node = fields.present(key) else {
            error(fields.node, fields.path, "missing required key \"\(key)\"")
            return nil
        }
        return read(&self, node, fields.path(key))
    }
}
