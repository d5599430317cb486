import Foundation

/// Notify channels, edges and maintenance windows: unique names, URL schemes, and what they refer to.
extension SpecValidator {
    mutating func validateChannels() {
        checkUnique("notify", spec.notify.map(\.name), key: "name", what: "notify channel")
        for (index, channel) in spec.notify.enumerated() {
            let path = itemPath("notify", index)
            guard channel.format.isWebhook else {
                validateKind(channel, "\(path).\(channel.format.rawValue)")
                continue
            }
            checkURL(channel.webhook, "\(path).webhook", schemes: ["http", "https"])
            for name in channel.headers.keys.sorted() where !Self.isHeaderName(name) {
                error("\(path).headers.\(name)", "\"\(name)\" is not a valid HTTP header name")
            }
        }
    }

    mutating func validateEdges() {
        checkUnique("edges", spec.edges.map(\.name), key: "name", what: "edge name")
        let groups = MetricGroup.allCases.map(\.rawValue)
        for (index, edge) in spec.edges.enumerated() {
            let path = itemPath("edges", index)
            checkURL(edge.url, "\(path).url", schemes: ["ws", "wss"])
            if let url = URLComponents(string: edge.url), url.scheme?.lowercased() == "ws", let host = url.host,
                !host.isEmpty, !Self.isPrivateHost(host)
            {
                warning(
                    "\(path).url",
                    "ws:// to a public host sends every push unencrypted (anyone on the way reads the fleet's figures); use wss:// (the edge serves TLS with --tls-cert/--tls-key, or sits behind a proxy that does)")
            }
            checkMachineIDs(edge.machines, "\(path).machines")
            if edge.machines.isEmpty && isWritten("\(path).machines") {
                warning("\(path).machines", "the edge shows no machine; list the machines the public may see")
            }
            for (metricIndex, metric) in edge.metrics.enumerated()
            where MetricCatalog.info(metric) == nil && !groups.contains(metric) {
                let hint = DidYouMean.hint(for: metric, among: groups + MetricCatalog.names)
                error(
                    "\(path).metrics[\(metricIndex)]",
                    "unknown metric or metric group \"\(metric)\"\(hint)")
            }
        }
    }

    mutating func validateWindows() {
        checkUnique("maintenance", spec.maintenance.map(\.name), key: "name", what: "maintenance window")
        for (index, window) in spec.maintenance.enumerated() {
            checkSelector(window.machines, "\(itemPath("maintenance", index)).machines")
        }
    }

    /// A URL with one of `schemes` and a host; the message quotes the URL as written.
    mutating func checkURL(_ text: String, _ path: String, schemes: [String]) {
        guard !text.isEmpty else { return }
        let wanted = schemes.map { "\($0)://" }.joined(separator: " or ")
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), schemes.contains(scheme)
        else {
            error(path, "expected a URL starting with \(wanted), got \(shown(path, text))")
            return
        }
        if url.host?.isEmpty ?? true {
            error(path, "the URL \(shown(path, text)) has no host")
        }
    }

    /// The value as a message may quote it: a value that came from the environment is never printed.
    func shown(_ path: String, _ text: String) -> String {
        reader.substituted.contains(path) ? "(a value from the environment)" : "\"\(text)\""
    }

    /// Loopback, private and link-local addresses, and names that only resolve inside a network (`localhost`,
    /// `.local`, `.lan`, `.internal`, `.home.arpa`, or a single label).
    static func isPrivateHost(_ host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let octets = name.split(separator: ".").compactMap { UInt8($0) }
        if octets.count == 4 && name.split(separator: ".").count == 4 {
            let (a, b) = (octets[0], octets[1])
            return a == 10 || a == 127 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168)
                || (a == 169 && b == 254) || (a == 100 && (64...127).contains(b))
        }
        if name.contains(":") {
            return name == "::1" || name.hasPrefix("fc") || name.hasPrefix("fd") || name.hasPrefix("fe80:")
        }
        let suffixes = ["localhost", ".local", ".lan", ".internal", ".home.arpa"]
        return !name.contains(".") || suffixes.contains { name == $0 || name.hasSuffix($0) }
    }

    /// RFC 9110 token characters.
    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
                        || "!#$%&'*+-.^_`|~".unicodeScalars.contains($0))
            }
    }
}
