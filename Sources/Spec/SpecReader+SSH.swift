import Yams

/// `machines[].ssh` and `defaults.ssh`: how apply reaches a managed machine.
extension SpecReader {
    static let sshKeys = ["to", "user", "port", "identity_file", "sudo", "prefix"]
    static let sshDefaultsKeys = ["user", "port", "identity_file", "sudo", "prefix"]

    /// `ssh: true` (the machine's host, with defaults), `ssh: user@host[:port]`, or a mapping with `to:` and the
    /// keys of `defaults.ssh`; what the machine leaves out comes from `defaults.ssh`.
    mutating func readSSH(_ node: Node, _ path: String, host: String, defaults: SSHDefaults?) -> SSHAccess? {
        var access = SSHAccess(
            user: defaults?.user, host: host, port: defaults?.port, identityFile: defaults?.identityFile,
            sudo: defaults?.sudo ?? false, prefix: defaults?.prefix ?? SSHAccess.defaultPrefix)
        if case .scalar(let scalar) = node {
            if ["true", "yes"].contains(scalar.string.lowercased()) { return access }
            if ["false", "no"].contains(scalar.string.lowercased()) { return nil }
            guard let text = line(node, path) else { return nil }
            return destination(node, path, text, into: access)
        }
        guard let fields = mapping(node, path, allowed: Self.sshKeys) else { return nil }
        if let n = fields.present("to"), let text = line(n, "\(path).to") {
            guard let parsed = destination(n, "\(path).to", text, into: access) else { return nil }
            access = parsed
        }
        readSSHCommon(fields, path, user: &access.user, port: &access.port, identityFile: &access.identityFile)
        if let n = fields.present("sudo") { access.sudo = bool(n, "\(path).sudo") ?? access.sudo }
        if let n = fields.present("prefix") { access.prefix = prefix(n, "\(path).prefix") ?? access.prefix }
        return access
    }

    mutating func readSSHDefaults(_ node: Node, _ path: String) -> SSHDefaults? {
        guard let fields = mapping(node, path, allowed: Self.sshDefaultsKeys) else { return nil }
        var defaults = SSHDefaults()
        readSSHCommon(fields, path, user: &defaults.user, port: &defaults.port, identityFile: &defaults.identityFile)
        if let n = fields.present("sudo") { defaults.sudo = bool(n, "\(path).sudo") }
        if let n = fields.present("prefix") { defaults.prefix = prefix(n, "\(path).prefix") }
        return defaults
    }

    private mutating func readSSHCommon(
        _ fields: Entries, _ path: String, user: inout String?, port: inout Int?, identityFile: inout String?
    ) {
        if let n = fields.present("user") { user = line(n, "\(path).user") ?? user }
        if let n = fields.present("port") { port = int(n, "\(path).port", range: 1...65535, expected: "an integer 1–65535") }
        if let n = fields.present("identity_file"), let file = line(n, "\(path).identity_file") {
            // Relative to the spec, like token_file; `~/` is the user's home, as in ssh_config.
            identityFile = file.hasPrefix("/") || file.hasPrefix("~/") ? file : baseDirectory + "/" + file
        }
    }

    private mutating func destination(_ node: Node, _ path: String, _ text: String, into access: SSHAccess) -> SSHAccess? {
        guard let parsed = SSHAccess.parse(text) else {
            error(node, path, "expected user@host or user@host:port (e.g. admin@192.168.1.11:22), got \(shown(node, path, text))")
            return nil
        }
        var out = access
        out.user = parsed.user ?? access.user
        out.host = parsed.host
        out.port = parsed.port ?? access.port
        return out
    }

    private mutating func prefix(_ node: Node, _ path: String) -> String? {
        guard let text = line(node, path) else { return nil }
        guard text.hasPrefix("/"), !text.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" }) else {
            error(node, path, "expected an absolute path without spaces or quotes (e.g. /usr/local), got \(shown(node, path, text))")
            return nil
        }
        return text.count > 1 && text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// `runtime: native | docker` and `image:` (docker only; default `sms:latest`), over what is `inherited`.
    mutating func readRuntime(_ fields: Entries, _ path: String, inherited: CollectorRuntime?) -> CollectorRuntime? {
        let prefix = path.isEmpty ? "" : "\(path)."
        var runtime = inherited ?? .native
        if let n = fields.present("runtime"), let choice = choice(n, "\(prefix)runtime", ["native", "docker"]) {
            if choice == "native" {
                runtime = .native
            } else if case .docker = inherited {
            } else {
                runtime = .docker(image: CollectorRuntime.defaultImage)
            }
        }
        if let n = fields.present("image"), let image = line(n, "\(prefix)image") {
            guard case .docker = runtime else {
                error(n, "\(prefix)image", "image is for runtime: docker; add runtime: docker or drop image")
                return runtime
            }
            guard !image.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" || $0 == "$" }) else {
                error(n, "\(prefix)image", "expected an image reference (e.g. registry.example.com/sms:0.2.0), got \(shown(n, "\(prefix)image", image))")
                return runtime
            }
            runtime = .docker(image: image)
        }
        return runtime == .native ? nil : runtime
    }

    /// How a message quotes a value: as written in the spec, so a value from the environment is never shown.
    private mutating func shown(_ node: Node, _ path: String, _ text: String) -> String {
        scalar(node, path, expected: "")?.shown ?? "\"\(text)\""
    }
}
