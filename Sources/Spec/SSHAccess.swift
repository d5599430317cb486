/// How `smsctl apply` reaches a remote machine: over the system's OpenSSH client, so `~/.ssh/config`, the agent
/// and `known_hosts` work as they do for `ssh` itself. A machine with `ssh:` is managed (installed, upgraded,
/// reconfigured and removed by apply); one without keeps the rendered script in `ctrl/collectors/`.
public struct SSHAccess: Sendable, Equatable, Codable {
    /// The login user; nil leaves it to ssh (its config, else the local user).
    public var user: String?
    public var host: String
    public var port: Int?
    /// A private key to log in with (`ssh -i`); nil leaves it to ssh (agent, config, default keys).
    public var identityFile: String?
    /// Run the install steps through `sudo -n` (the login user is not root).
    public var sudo: Bool
    /// Where the collector is installed on that machine: `PREFIX/bin/sms-collector`, its token and settings in
    /// `PREFIX/etc/sms/`, its buffer in `PREFIX/var/lib/sms/`.
    public var prefix: String

    public static let defaultPrefix = "/usr/local"

    public init(user: String? = nil, host: String, port: Int? = nil, identityFile: String? = nil, sudo: Bool = false,
                prefix: String = Self.defaultPrefix) {
        self.user = user
        self.host = host
        self.port = port
        self.identityFile = identityFile
        self.sudo = sudo
        self.prefix = prefix
    }

    /// `user@host` (or `host`): what `ssh` is given.
    public var destination: String { user.map { "\($0)@\(host)" } ?? host }

    /// `user@host:port` as written in a spec, for plans and errors.
    public var description: String { destination + (port.map { ":\($0)" } ?? "") }

    /// Parses `user@host[:port]` (`[v6]:port` for an IPv6 address); nil when it is not of that form.
    public static func parse(_ text: String) -> (user: String?, host: String, port: Int?)? {
        var rest = Substring(text)
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            if user!.isEmpty { return nil }
        }
        var port: Int?
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { return nil }
                port = p
            } else if !after.isEmpty {
                return nil
            }
            rest = rest[rest.index(after: rest.startIndex)..<close]
        } else if let colon = rest.lastIndex(of: ":"), rest.firstIndex(of: ":") == colon {
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            port = p
            rest = rest[..<colon]
        }
        guard !rest.isEmpty, !rest.contains(where: { $0.isWhitespace || $0 == "/" }) else { return nil }
        return (user, String(rest), port)
    }
}

/// How a managed machine runs its collector.
public enum CollectorRuntime: Sendable, Equatable, Codable {
    /// `sms-collector` copied to the machine, kept running by systemd (or a supervising loop without it).
    case native
    /// The sms image on the machine's Docker engine (host network and the host's /proc and /sys, read-only).
    case docker(image: String)

    public static let defaultImage = "sms:latest"
}

/// `defaults.ssh`: what most managed machines share (each machine's `ssh:` may override any of it).
public struct SSHDefaults: Sendable, Equatable, Codable {
    public var user: String?
    public var port: Int?
    public var identityFile: String?
    public var sudo: Bool?
    public var prefix: String?
    public init(user: String? = nil, port: Int? = nil, identityFile: String? = nil, sudo: Bool? = nil, prefix: String? = nil) {
        self.user = user
        self.port = port
        self.identityFile = identityFile
        self.sudo = sudo
        self.prefix = prefix
    }
}
