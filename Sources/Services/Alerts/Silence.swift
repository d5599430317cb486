import SMSCore
import Foundation

/// A muting of notifications for some machine and/or rule until a time (`smsctl silence add`).
///
/// The alert state is still evaluated and shown; only notifications are held back.
public struct Silence: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    /// Machine id to mute; nil mutes every machine.
    public var machine: String?
    /// Rule name to mute; nil mutes every rule.
    public var rule: String?
    public var startsMs: Int64
    public var endsMs: Int64
    public var reason: String
    /// Who created it (the user name of the `smsctl` process), if known.
    public var createdBy: String?

    public init(
        id: String = Silence.newID(), machine: String?, rule: String?, startsMs: Int64, endsMs: Int64,
        reason: String, createdBy: String? = nil
    ) {
        self.id = id
        self.machine = machine
        self.rule = rule
        self.startsMs = startsMs
        self.endsMs = endsMs
        self.reason = reason
        self.createdBy = createdBy
    }

    enum CodingKeys: String, CodingKey {
        case id, machine, rule, reason
        case startsMs = "starts_ms"
        case endsMs = "ends_ms"
        case createdBy = "created_by"
    }

    /// True between `startsMs` (inclusive) and `endsMs` (exclusive).
    public func isActive(atMs now: Int64) -> Bool { startsMs <= now && now < endsMs }

    /// True when it is active at `now` and covers `key`.
    public func mutes(_ key: AlertKey, atMs now: Int64) -> Bool {
        isActive(atMs: now) && (machine == nil || machine == key.machine) && (rule == nil || rule == key.rule)
    }

    /// Eight hex digits: short enough to type in `smsctl silence rm`.
    public static func newID() -> String {
        String(UInt32.random(in: 0...UInt32.max), radix: 16).leftPadded(to: 8)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
