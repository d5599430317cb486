import SMSCore
import Foundation

/// Where and how to reach Redis: parsed from `redis://[user][:password]@host[:port][/db]` or `rediss://…` (TLS),
/// plus timeouts and the size of the buffer that holds writes while Redis is unreachable.
///
/// `description` and `dump` never show the password.
public struct RedisConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int
    /// TLS settings; nil for plain `redis://`.
    public var tls: TLS?
    public var connectTimeout: Duration = .seconds(5)
    /// How long `send` and `pipeline` wait in total: for a connection, then for the replies.
    public var replyTimeout: Duration = .seconds(5)
    /// Bytes of fire-and-forget commands held while disconnected; beyond it the oldest are dropped.
    public var maxBufferedBytes = 16 * 1024 * 1024

    /// TLS for `rediss://`: the system's trust roots unless a CA file is given.
    public struct TLS: Sendable, Equatable {
        /// PEM file of the CA that signed the server's certificate (`rediss://…?ca=/path/ca.pem`).
        public var caFile: String?
        public init(caFile: String? = nil) { self.caFile = caFile }
    }

    public init(
        host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0,
        tls: TLS? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Parses a `redis://` or `rediss://` URL; the only query parameter is `ca` (rediss only).
    public init(url text: String) throws(RedisError) {
        let shown = Self.redacted(text)
        func invalid(_ problem: String) -> RedisError {
            RedisError(.configuration, "invalid Redis URL \(shown): \(problem)")
        }
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased() else {
            throw invalid("expected redis://[user][:password]@host[:port][/db]")
        }
        guard scheme == "redis" || scheme == "rediss" else {
            throw invalid("the scheme must be redis or rediss, not \(scheme)")
        }
        guard var host = url.host, !host.isEmpty else { throw invalid("no host") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }  // IPv6 literal
        let port = url.port ?? 6379
        guard (1...65535).contains(port) else { throw invalid("port \(port) is out of range") }
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        guard path.isEmpty || (Int(path).map { $0 >= 0 } ?? false) else {
            throw invalid("the path must be a database number, like /0")
        }
        self.init(
            host: host, port: port,
            username: url.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 },
            password: url.percentEncodedPassword.flatMap { $0.removingPercentEncoding },
            database: Int(path) ?? 0)
        if scheme == "rediss" { tls = TLS() }
        for item in url.queryItems ?? [] {
            guard item.name == "ca", scheme == "rediss", let value = item.value, !value.isEmpty else {
                throw invalid("unknown parameter \"\(item.name)\" (rediss:// URLs accept ca=/path/to/ca.pem)")
            }
            tls?.caFile = value
        }
    }

    /// `redis://host:port`: what error messages name.
    public var endpoint: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(tls == nil ? "redis" : "rediss")://\(shownHost):\(port)"
    }

    /// `text` with whatever sits between `://` and the last `@` replaced, for messages about a URL that did not parse.
    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@") else { return text }
        let start = text.range(of: "://").map(\.upperBound) ?? text.startIndex
        guard start <= at else { return text }
        return String(text[..<start]) + "***" + String(text[at...])
    }
}

extension RedisConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The URL with the password as `***`.
    public var description: String {
        var credentials = username ?? ""
        if password != nil { credentials += ":***" }
        if !credentials.isEmpty { credentials += "@" }
        let base = endpoint.replacingOccurrences(of: "://", with: "://" + credentials)
        let query = tls?.caFile.map { "?ca=\($0)" } ?? ""
        return "\(base)/\(database)\(query)"
    }

    public var debugDescription: String { "RedisConfiguration(\(description))" }

    public var customMirror: Mirror { Mirror(self, children: ["url": description], displayStyle: .struct) }
}
