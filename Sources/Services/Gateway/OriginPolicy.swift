import SMSCore
import Foundation

/// Decides whether a browser page may open `/ws`: same host, an allowed origin, or no Origin (non-browser clients).
///
/// Browsers always send Origin on WebSocket upgrades, so this stops other sites from reading the fleet through a
/// visitor's browser (cross-site WebSocket hijacking); it is not authentication.
struct OriginPolicy: Sendable {
    let allowed: Set<String>

    init(allowed: [String]) {
        self.allowed = Set(allowed.map(Self.normalize))
    }

    func allows(origin: String?, host: String?) -> Bool {
        guard let origin, !origin.isEmpty else { return true }
        let normalized = Self.normalize(origin)
        if allowed.contains("*") || allowed.contains(normalized) { return true }
        guard let host, let url = URL(string: normalized), let originHost = url.host else { return false }
        let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
        let requestHost = host.lowercased()
        if originAuthority == requestHost { return true }
        // `Host: example.org` with `Origin: https://example.org:443`: compare without the default port.
        let defaultPort = url.scheme == "https" ? 443 : 80
        return url.port == defaultPort && originHost == requestHost
            || url.port == nil && requestHost == "\(originHost):\(defaultPort)"
    }

    static func normalize(_ origin: String) -> String {
        var text = origin.trimmingCharacters(in: .whitespaces).lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
