import Foundation
import Yams

/// The top level of the spec and its single-mapping sections: `hub`, `retention`, `defaults`.
extension SpecReader {
    static let topKeys = [
        "version", "name", "hub", "retention", "defaults", "machines", "alerts", "notify", "edges", "maintenance",
    ]
    static let hubKeys = ["host", "bind", "grpc_port", "http_port", "state", "history", "data_dir", "tls", "allowed_hosts", "auth"]
    static let retentionKeys = ["raw", "1m", "1h"]
    static let defaultsKeys = ["interval", "buffer", "metrics", "ssh", "runtime", "image"]

    static let intervalBounds = SpecDuration(milliseconds: 100)...SpecDuration.hours(1)
    static let bufferBounds = SpecDuration.minutes(1)...SpecDuration.days(30)
    static let retentionBounds = SpecDuration.hours(1)...SpecDuration.days(3650)

    /// The whole spec; nil only when the root is not a mapping. Problems inside are reported, not fatal.
    mutating func readSpec(_ root: Node) -> Spec? {
        guard let top = mapping(root, "", allowed: Self.topKeys) else { return nil }
        var spec = Spec(name: "")
        if let node = top.present("version") {
            if let version = int(node, "version", range: Int.min...Int.max, expected: "the integer 1"), version != 1 {
                error(node, "version", "unsupported version \(version); this sms reads version 1")
            }
        } else {
            error(root, "", "missing required key \"version\"; start the spec with version: 1")
        }
        if let node = top.present("name") {
            spec.name = name(node, "name") ?? ""
        } else {
            error(root, "", "missing required key \"name\"")
        }
        if let node = top.present("hub") { spec.hub = readHub(node) }
        if let node = top.present("retention") { spec.retention = readRetention(node) }
        if let node = top.present("defaults") { spec.defaults = readDefaults(node) }
        if let node = top.present("machines") {
            spec.machines = readMachines(node, defaults: spec.defaults)
        } else {
            error(root, "", "missing required key \"machines\"; list at least one machine")
        }
        spec.alerts = readAlerts(top.present("alerts"))
        if let node = top.present("notify") { spec.notify = readList(node, "notify") { $0.readChannel($1, $2) } }
        if let node = top.present("edges") { spec.edges = readList(node, "edges") { $0.readEdge($1, $2) } }
        if let node = top.present("maintenance") {
            spec.maintenance = readList(node, "maintenance") { $0.readWindow($1, $2) }
        }
        return spec
    }

    /// Each item of a list section read by `item`; items that fail are left out (their problems are reported).
    /// The path of every kept item is recorded in `itemPaths[path]`, in model order, for the validator.
    mutating func readList<T>(
        _ node: Node, _ path: String, _ item: (inout SpecReader, Node, String) -> T?
    ) -> [T] {
        guard let items = list(node, path) else { return [] }
        var result: [T] = []
        for (index, itemNode) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let value = item(&self, itemNode, itemPath) else { continue }
            result.append(value)
            itemPaths[path, default: []].append(itemPath)
        }
        return result
    }

    /// A name or id: lowercase letters, digits, `_` and `-`, starting with a letter or digit.
    mutating func name(_ node: Node, _ path: String) -> String? {
        guard let text = string(node, path) else { return nil }
        guard Self.isValidName(text) else {
            error(node, path, "\"\(text)\" is not a valid name: use a-z, 0-9, _ and -, starting with a letter or digit")
            return nil
        }
        return text
    }

    /// A DNS name such as `sms.home.lan`: letters, digits, `-` and `.`, nothing else.
    static func isHostName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 253 && text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "."
        }
    }

    static func isValidName(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first, scalars.count <= 63 else { return false }
        let lowerOrDigit: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        return lowerOrDigit(first) && scalars.allSatisfy { lowerOrDigit($0) || $0 == "_" || $0 == "-" }
    }

    mutating func readHub(_ node: Node) -> Hub {
        var hub = Hub()
        guard let fields = mapping(node, "hub", allowed: Self.hubKeys) else { return hub }
        if let n = fields.present("host") { hub.host = line(n, "hub.host") ?? hub.host }
        if let n = fields.present("bind") { hub.bind = line(n, "hub.bind") }
        if let n = fields.present("allowed_hosts"), let items = list(n, "hub.allowed_hosts") {
            for (index, item) in items.enumerated() {
                let path = "hub.allowed_hosts[\(index)]"
                guard let name = string(item, path) else { continue }
                if Self.isHostName(name) {
                    hub.allowedHosts.append(name.lowercased())
                } else {
                    error(item, path, "not a host name: give the name alone, such as sms.home.lan (no scheme, port or path)")
                }
            }
        }
        let portRange = 1...65535
        if let n = fields.present("grpc_port") {
            hub.grpcPort = int(n, "hub.grpc_port", range: portRange, expected: "an integer 1–65535") ?? hub.grpcPort
        }
        if let n = fields.present("http_port") {
            hub.httpPort = int(n, "hub.http_port", range: portRange, expected: "an integer 1–65535") ?? hub.httpPort
        }
        if let n = fields.present("state"), let text = string(n, "hub.state") {
            if text == "embedded" {
                hub.state = .embedded
            } else if let url = backendURL(n, "hub.state", text, schemes: ["redis", "rediss"]) {
                hub.state = .redis(url: url)
            }
        }
        if let n = fields.present("history"), let text = string(n, "hub.history") {
            if text == "embedded" {
                hub.history = .embedded
            } else if let url = backendURL(n, "hub.history", text, schemes: ["postgres", "postgresql"]) {
                hub.history = .postgres(url: url)
            }
        }
        if let n = fields.present("data_dir") { hub.dataDir = line(n, "hub.data_dir") }
        // `off` is a YAML 1.1 boolean, read here as the word it is meant to be.
        if let n = fields.present("tls"), let text = n.scalar?.string {
            switch text.lowercased() {
            case "off", "false", "no": hub.tls = .off
            case "auto", "on", "true", "yes": hub.tls = .generated
            default:
                error(n, "hub.tls", "expected auto (a CA that apply generates, the default), off, or a mapping of cert, key and ca; got \"\(text)\"")
            }
        } else if let n = fields.present("tls"), let tls = mapping(n, "hub.tls", allowed: ["cert", "key", "ca"]) {
            let cert = tls.present("cert").flatMap { line($0, "hub.tls.cert") }
            let key = tls.present("key").flatMap { line($0, "hub.tls.key") }
            let ca = tls.present("ca").flatMap { line($0, "hub.tls.ca") }
            if tls.present("cert") == nil { error(n, "hub.tls", "missing required key \"cert\"") }
            if tls.present("key") == nil { error(n, "hub.tls", "missing required key \"key\"") }
            if let cert, let key { hub.tls = .files(TLSFiles(cert: cert, key: key, ca: ca)) }
        }
        if let n = fields.present("auth") { hub.auth = readAuth(n) }
        return hub
    }

    /// A backend URL with one of `schemes` and a host; "embedded" is handled by the caller.
    mutating func backendURL(_ node: Node, _ path: String, _ text: String, schemes: [String]) -> String? {
        let wanted = "\"embedded\" or a " + schemes.map { "\($0)://" }.joined(separator: " or ") + " URL"
        let shown = scalar(node, path, expected: "")?.shown ?? "\"\(text)\""
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), schemes.contains(scheme)
        else {
            error(node, path, "expected \(wanted), got \(shown)\(DidYouMean.hint(for: text, among: ["embedded"]))")
            return nil
        }
        guard let host = url.host, !host.isEmpty else {
            error(node, path, "the URL \(shown) has no host")
            return nil
        }
        if url.password != nil && !(scalar(node, path, expected: "")?.substitution.isSubstituted ?? false) {
            warning(node, path, "the URL holds a password written in the spec; write it as ${VARIABLE}")
        }
        return text
    }

    mutating func readRetention(_ node: Node) -> Retention {
        var retention = Retention()
        guard let fields = mapping(node, "retention", allowed: Self.retentionKeys) else { return retention }
        let bounds = Self.retentionBounds
        if let n = fields.present("raw") {
            retention.raw = duration(n, "retention.raw", bounds: bounds) ?? retention.raw
        }
        if let n = fields.present("1m") {
            retention.oneMinute = duration(n, "retention.1m", bounds: bounds) ?? retention.oneMinute
        }
        if let n = fields.present("1h") {
            retention.oneHour = duration(n, "retention.1h", bounds: bounds) ?? retention.oneHour
        }
        return retention
    }

    mutating func readDefaults(_ node: Node) -> Defaults {
        var defaults = Defaults()
        guard let fields = mapping(node, "defaults", allowed: Self.defaultsKeys) else { return defaults }
        if let n = fields.present("interval") {
            defaults.interval = duration(n, "defaults.interval", bounds: Self.intervalBounds) ?? defaults.interval
        }
        if let n = fields.present("buffer") {
            defaults.buffer = duration(n, "defaults.buffer", bounds: Self.bufferBounds) ?? defaults.buffer
        }
        if let n = fields.present("metrics") {
            defaults.metrics = metricGroups(n, "defaults.metrics") ?? defaults.metrics
        }
        if let n = fields.present("ssh") { defaults.ssh = readSSHDefaults(n, "defaults.ssh") }
        defaults.runtime = readRuntime(fields, "defaults", inherited: nil)
        return defaults
    }

    /// A non-empty list of metric group names (`cpu`, `disk`…).
    mutating func metricGroups(_ node: Node, _ path: String) -> [MetricGroup]? {
        guard let items = list(node, path) else { return nil }
        if items.isEmpty { error(node, path, "list at least one metric group; omit the key to collect all") }
        let names = MetricGroup.allCases.map(\.rawValue)
        let groups = items.enumerated().compactMap { index, item in
            choice(item, "\(path)[\(index)]", names).flatMap(MetricGroup.init(rawValue:))
        }
        return groups.count == items.count && !items.isEmpty ? groups : nil
    }
}
