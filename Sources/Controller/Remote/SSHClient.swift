import Foundation
import Spec

/// Runs shell scripts on one managed machine with the system's OpenSSH client, so the user's `~/.ssh/config`,
/// agent and `known_hosts` apply as they do for `ssh` itself. One master connection per machine is shared by every
/// command of a run (`ControlMaster`), and an unknown host key is refused, never accepted silently.
public struct SSHClient: Sendable {
    public let access: SSHAccess
    /// `ssh -F FILE`, for a config other than `~/.ssh/config` (tests, CI).
    public let configFile: String?
    /// Where the master connections' sockets live (short: a socket path has ~100 bytes at most).
    public let controlDirectory: URL

    public init(access: SSHAccess, configFile: String?, controlDirectory: URL) {
        self.access = access
        self.configFile = configFile
        self.controlDirectory = controlDirectory
    }

    /// The options every command gets; nothing secret is ever among them.
    var options: [String] {
        var o: [String] = []
        if let configFile { o += ["-F", configFile] }
        o += [
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10",
            "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3",
            "-o", "ControlMaster=auto", "-o", "ControlPath=\(controlDirectory.path)/%C", "-o", "ControlPersist=60",
        ]
        if let port = access.port { o += ["-p", "\(port)"] }
        if let identity = access.identityFile {
            let path = identity.hasPrefix("~/")
                ? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(String(identity.dropFirst(2))).path
                : identity
            o += ["-i", path, "-o", "IdentitiesOnly=yes"]
        }
        return o
    }

    /// Runs `script` with `sh` on the machine (through `sudo -n` when the spec says so), with `input` as its
    /// standard input. Fails with a `RemoteError` that says what to do when ssh itself cannot get there.
    public func run(_ script: String, input: URL? = nil, timeout: Duration = .seconds(120)) async throws -> CommandResult {
        guard let ssh = CommandRunner.which("ssh") else {
            throw RemoteError("ssh is not installed on this machine; install OpenSSH's client (apt-get install openssh-client)")
        }
        try FileManager.default.createDirectory(
            at: controlDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let command = (access.sudo ? "sudo -n " : "") + "sh -c " + shellQuote(script)
        let result = try await CommandRunner.run(ssh, options + [access.destination, "--", command], input: input, timeout: timeout)
        if result.timedOut { throw RemoteError("ssh \(access.description): no answer within \(timeout)") }
        // 255 is ssh's own failure (connection, authentication, host key); anything else is the script's.
        if result.status == 255 { throw RemoteError(Self.explain(result.errors, access: access)) }
        if access.sudo, result.errors.contains("sudo: a password is required") || result.errors.contains("sudo: a terminal is required") {
            throw RemoteError(
                "sudo on \(access.description) asks for a password; allow \(access.user ?? "the user") passwordless sudo "
                    + "(NOPASSWD) or log in as root (ssh: root@\(access.host))")
        }
        return result
    }

    /// Closes the master connection (apply's end).
    public func close() async {
        guard let ssh = CommandRunner.which("ssh") else { return }
        _ = try? await CommandRunner.run(ssh, options + ["-O", "exit", access.destination], timeout: .seconds(5))
    }

    /// What a person should do about ssh's own error.
    static func explain(_ stderr: String, access: SSHAccess) -> String {
        let text = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("Warning: Permanently added") }
        let last = text.last ?? "ssh failed"
        let port = access.port.map { " -p \($0)" } ?? ""
        if stderr.contains("Host key verification failed") || stderr.contains("No ED25519 host key is known")
            || stderr.contains("host key for") && stderr.contains("not known")
        {
            return "the host key of \(access.host) is not known: check its fingerprint out of band, then trust it with "
                + "`ssh-keyscan\(port) \(access.host) >> ~/.ssh/known_hosts` (or `ssh\(port) \(access.destination)` once)"
        }
        if stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") {
            return "the host key of \(access.host) has CHANGED since it was trusted (a reinstall, or someone in the "
                + "middle); if expected, remove the old key with `ssh-keygen -R \(access.host)` and trust the new one"
        }
        if stderr.contains("Permission denied") {
            return "ssh \(access.description): permission denied (\(last)); check the user, and that your key is in "
                + "its ~/.ssh/authorized_keys (ssh-copy-id\(port) \(access.destination))"
        }
        return "ssh \(access.description): \(last)"
    }
}

/// A remote machine could not be brought to the spec, and why.
public struct RemoteError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
