import Services
import SMSCore

/// One difference between the applied spec and the spec file, as a plan line shows it.
public struct PlanChange: Sendable, Equatable, Codable {
    /// `+` added, `~` changed, `-` removed.
    public enum Op: String, Sendable, Codable {
        case add = "+"
        case change = "~"
        case remove = "-"
    }

    /// What kind of thing changed; its noun appears in the summary (`~2 alert thresholds`).
    public enum Kind: String, Sendable, Codable {
        case hub, retention, defaults, machine
        case machineSetting = "machine setting"
        case alert
        case alertThreshold = "alert threshold"
        case alertSetting = "alert setting"
        case notify = "notify channel"
        case edge
        case maintenance = "maintenance window"

        var plural: String {
            switch self {
            case .hub: "hub settings"
            case .retention: "retention tiers"
            case .defaults: "defaults"
            default: rawValue + "s"
            }
        }

        /// `1 machine`, `2 alert thresholds`.
        func count(_ n: Int) -> String {
            n == 1 ? (self == .hub ? "hub setting" : self == .retention ? "retention tier" : rawValue) : plural
        }
    }

    public var op: Op
    public var kind: Kind
    /// What the line is about: `machine nfrt`, `alert cpu_high`, `hub`.
    public var subject: String
    /// The field for `~` lines (`warning`), nil for whole-item adds and removes.
    public var field: String?
    public var old: String?
    public var new: String?
    /// Extra words for adds and removes: `host 192.168.1.11`.
    public var detail: String?
    /// Why this change loses something, when it does (marked `!`).
    public var destructive: String?
    /// How it takes effect on the hub: none, reload or restart.
    public var hubEffect: RoleAction.Kind
    /// Local collectors it affects, with how.
    public var collectorEffects: [String: RoleAction.Kind]

    public init(
        op: Op, kind: Kind, subject: String, field: String? = nil, old: String? = nil, new: String? = nil,
        detail: String? = nil, destructive: String? = nil, hubEffect: RoleAction.Kind = .reload,
        collectorEffects: [String: RoleAction.Kind] = [:]
    ) {
        self.op = op
        self.kind = kind
        self.subject = subject
        self.field = field
        self.old = old
        self.new = new
        self.detail = detail
        self.destructive = destructive
        self.hubEffect = hubEffect
        self.collectorEffects = collectorEffects
    }

    /// `~ alert cpu_high: warning 80 → 70`, `+ machine nfrt (host 192.168.1.11)`, `! - edge public`.
    public var line: String {
        var text = "\(op.rawValue) \(subject)"
        if let field { text += ": \(field) \(old ?? "none") → \(new ?? "none")" }
        if let detail { text += " (\(detail))" }
        if let destructive { text = "! " + text + "  [\(destructive)]" } else { text = "  " + text }
        return text
    }
}

/// What the controller does to one local process.
public struct RoleAction: Sendable, Equatable, Codable {
    /// Ordered by how disruptive they are, so several changes take the strongest.
    public enum Kind: String, Sendable, Codable, Comparable {
        case none, reload, restart, start, stop

        var rank: Int {
            switch self {
            case .none: 0
            case .reload: 1
            case .restart: 2
            case .start: 3
            case .stop: 4
            }
        }

        public static func < (a: Kind, b: Kind) -> Bool { a.rank < b.rank }
    }

    public var role: String
    public var action: Kind
    /// Why, in a few words: `hub.http_port 8080 → 8081`, `not running`.
    public var reason: String

    public init(role: ControllerRole, action: Kind, reason: String) {
        self.role = role.name
        self.action = action
        self.reason = reason
    }

    public var controllerRole: ControllerRole? { ControllerRole(name: role) }
}
