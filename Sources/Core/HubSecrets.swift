import Foundation

/// The hub's own secrets in the state directory (mode 0600): the CLI's API token, the one-time admin login link
/// and the password hash that link's admin sets. Created by `apply` or by the hub at start, whichever comes first.
public enum HubSecrets {
    /// The name the one-time link logs in as, and the password set afterwards belongs to.
    public static let bootstrapAdmin = "admin"
    /// How long a one-time link stays valid.
    public static let linkValidity: Duration = .seconds(24 * 3600)

    /// The CLI's bearer token, created when missing.
    @discardableResult
    public static func ensureAPIToken(state: StateDirectory) throws -> String {
        try createSecretsDirectory(state)
        if let token = MachineTokens.read(state.apiTokenFile) { return token }
        let token = MachineTokens.randomToken()
        try MachineTokens.write(token, to: state.apiTokenFile)
        return token
    }

    /// The CLI's bearer token, or nil before the first apply or hub start.
    public static func apiToken(state: StateDirectory) -> String? { MachineTokens.read(state.apiTokenFile) }

    /// The bootstrap admin's password hash, once set through the one-time link's page.
    public static func adminPasswordHash(state: StateDirectory) -> String? { MachineTokens.read(state.adminPasswordFile) }

    /// Stores the bootstrap admin's password hash (0600) and forgets any link still outstanding.
    public static func setAdminPasswordHash(_ hash: String, state: StateDirectory) throws {
        try createSecretsDirectory(state)
        try MachineTokens.write(hash, to: state.adminPasswordFile)
        try? FileManager.default.removeItem(at: state.loginLinkFile)
    }

    /// A valid one-time link's token when the admin has no password yet (creating one if none is valid), else nil.
    public static func ensureLoginLink(state: StateDirectory, now: Date = Date()) throws -> LoginLink? {
        guard adminPasswordHash(state: state) == nil else { return nil }
        if let link = LoginLink.read(state.loginLinkFile), link.isValid(at: now) { return link }
        try createSecretsDirectory(state)
        let link = LoginLink(
            token: MachineTokens.randomToken(),
            expiresMs: Int64(now.timeIntervalSince1970 * 1000) + linkValidity.components.seconds * 1000)
        try link.write(to: state.loginLinkFile)
        return link
    }

    /// Uses the link: true once for the right, unexpired token; the file is claimed by an atomic rename, so two
    /// requests (or two gateway processes) racing with the same token cannot both win.
    public static func consumeLoginLink(_ token: String, state: StateDirectory, now: Date = Date()) -> Bool {
        guard let link = LoginLink.read(state.loginLinkFile), ConstantTime.equal(link.token, token),
            link.isValid(at: now)
        else { return false }
        let claimed = state.loginLinkFile.deletingLastPathComponent()
            .appendingPathComponent("login-once.used-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard rename(state.loginLinkFile.path, claimed.path) == 0 else { return false }
        try? FileManager.default.removeItem(at: claimed)
        return true
    }

    static func createSecretsDirectory(_ state: StateDirectory) throws {
        try FileManager.default.createDirectory(
            at: state.secrets, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}

/// A one-time admin login: its token and when it stops working.
public struct LoginLink: Codable, Sendable, Equatable {
    public var token: String
    public var expiresMs: Int64

    public func isValid(at now: Date) -> Bool { Int64(now.timeIntervalSince1970 * 1000) < expiresMs }

    public var expires: Date { Date(timeIntervalSince1970: Double(expiresMs) / 1000) }

    /// The path and query to open on the hub's HTTP port.
    public var path: String { "/login?once=\(token)" }

    static func read(_ url: URL) -> LoginLink? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(LoginLink.self, from: data)
    }

    func write(to url: URL) throws {
        let text = String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
        try MachineTokens.write(text, to: url)
    }
}
