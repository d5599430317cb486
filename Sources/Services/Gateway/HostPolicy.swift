import Foundation

/// Which `Host` the private dashboard and API answer to: an IP address, `localhost`, or a configured name.
///
/// A DNS-rebinding page (`evil.example`, re-pointed at the hub's address after the page loaded) is same-origin
/// with itself, so Origin checks pass; only the Host it sends (`evil.example`) gives it away.
struct HostPolicy: Sendable {
    /// Lowercased names allowed besides addresses and localhost; nil allows every Host (the public edge).
    let names: Set<String>?

    init(names: [String]?) {
        self.names = names.map { Set($0.map { $0.lowercased() }) }
    }

    func allows(_ authority: String?) -> Bool {
        // Browsers always send Host; a client without one (HTTP/1.0) is no page in a browser.
        guard let names, let authority, !authority.isEmpty else { return true }
        let host = Self.hostPart(authority.lowercased())
        if host == "localhost" || host.hasSuffix(".localhost") || names.contains(host) { return true }
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// `name:8080` → `name`; `[::1]:8080` → `::1`; a trailing dot dropped.
    static func hostPart(_ authority: String) -> String {
        var host = Substring(authority)
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon {
            host = host[..<colon]
        }
        while host.hasSuffix(".") { host = host.dropLast() }
        return String(host)
    }
}
