/// Who may use the hub's private dashboard and API (`hub.auth`).
///
/// Login is the default: a spec without `hub.auth` requires it. `none` turns it off, explicitly; the validator
/// warns when the hub then listens beyond loopback.
public enum HubAuth: Sendable, Equatable, Codable {
    /// A session (login) or the CLI's bearer token is required. With no users declared, the first `apply` prints
    /// a one-time link that logs in as admin and asks for a password (kept, hashed, in the state directory).
    case login(users: [HubUser])
    /// Anyone who reaches the HTTP port is served, as an admin.
    case none

    /// The users the spec declares (none for `.none`).
    public var users: [HubUser] {
        if case .login(let users) = self { return users }
        return []
    }

    public var requiresLogin: Bool { self != .none }

    /// How the plan shows it: `login (alice admin, bob viewer)`, `login (one-time link)` or `none`; never a hash.
    public var summary: String {
        switch self {
        case .none: "none"
        case .login(let users) where users.isEmpty: "login (admin set up by a one-time link)"
        case .login(let users): "login (" + users.map { "\($0.name) \($0.role.rawValue)" }.joined(separator: ", ") + ")"
        }
    }
}

/// One user of the dashboard, declared in the spec with a password hash from `smsctl passwd`.
public struct HubUser: Sendable, Equatable, Codable {
    public var name: String
    /// `scrypt$N$r$p$salt$hash` (see `PasswordHashText`); a hash, not a secret, but never shown in plans.
    public var passwordHash: String
    public var role: UserRole

    /// The spec's rule for names: a-z, 0-9, `_` and `-`, starting with a letter or digit.
    public static func isValidName(_ name: String) -> Bool { SpecReader.isValidName(name) }

    public init(name: String, passwordHash: String, role: UserRole = .viewer) {
        self.name = name
        self.passwordHash = passwordHash
        self.role = role
    }
}

/// What a user may do: a viewer reads; an admin also writes (silences, acknowledgements, settings).
public enum UserRole: String, Sendable, Equatable, Codable, CaseIterable {
    case admin
    case viewer
}
