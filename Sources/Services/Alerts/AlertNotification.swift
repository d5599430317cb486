import SMSCore
import Foundation
import Spec

/// One message to receivers about one alert: it fired, escalated, is still firing (repeat), or resolved.
public struct AlertNotification: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case firing, escalated
        case repeated = "repeat"
        case resolved
    }

    public var kind: Kind
    public var atMs: Int64
    /// The instance as it was when the notification was decided.
    public var instance: AlertInstance
    public var direction: AlertRule.Direction
    public var isAbsence: Bool
    /// Why it resolved, when not because of its value (`rule removed or disabled`).
    public var reason: String?
    public var specName: String
    /// One line a person reads: `cpu_high on mcrn: cpu.usage_percent 93.2 ≥ 80 (warning) since 12:03:10`.
    public var summary: String
    /// The dashboard's address (`https://sms.lan:8080`), for links to the machine's page; nil when unknown.
    public var dashboardURL: String?

    public init(
        kind: Kind, atMs: Int64, instance: AlertInstance, direction: AlertRule.Direction, isAbsence: Bool,
        reason: String? = nil, specName: String, timeZone: TimeZone, dashboardURL: String? = nil
    ) {
        self.dashboardURL = dashboardURL
        self.kind = kind
        self.atMs = atMs
        self.instance = instance
        self.direction = direction
        self.isAbsence = isAbsence
        self.reason = reason
        self.specName = specName
        summary = AlertSummary(timeZone: timeZone).text(
            kind: kind, instance: instance, direction: direction, isAbsence: isAbsence, atMs: atMs, reason: reason)
    }

    /// `firing` or `resolved`: what receivers keyed on state see.
    public var state: String { kind == .resolved ? "resolved" : "firing" }

    /// The machine's page on the dashboard (`https://sms.lan:8080/#/machine/mcrn`); nil without a dashboard URL.
    public var machineURL: String? {
        guard let dashboardURL else { return nil }
        let id = instance.key.machine.addingPercentEncoding(withAllowedCharacters: .urlFragmentAllowed) ?? instance.key.machine
        return "\(dashboardURL)/#/machine/\(id)"
    }
}

/// Human-readable alert text: numbers without noise, times as `HH:MM:SS` in the hub's time zone.
public struct AlertSummary: Sendable {
    public var timeZone: TimeZone

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    /// The one-line summary of a notification (and of an active alert, with `kind: .firing`).
    public func text(
        kind: AlertNotification.Kind, instance: AlertInstance, direction: AlertRule.Direction, isAbsence: Bool,
        atMs: Int64, reason: String? = nil
    ) -> String {
        let key = instance.key
        let head = "\(key.rule) on \(key.machine)" + (kind == .resolved ? " resolved" : "")
        let why = reason.map { " (\($0))" } ?? ""
        if isAbsence {
            // A machine last seen before a hub restart has been silent since then, not since the restart.
            let from = min(instance.lastSeenMs ?? instance.pendingSinceMs, instance.pendingSinceMs)
            let absent = Self.duration(ms: max(0, atMs - from))
            if kind == .resolved { return "\(head): data again after \(absent) without\(why)" }
            let seen =
                instance.lastSeenMs.map { "last seen \(clock($0))" }
                ?? "not seen since the hub started at \(clock(instance.pendingSinceMs))"
            return "\(head): no data for \(absent) (\(seen))"
        }
        let series = key.series.isEmpty ? (instance.metric ?? "value") : key.series
        let value = instance.value.map(Self.number) ?? "?"
        let symbol = direction == .above ? "≥" : "≤"
        let threshold = instance.threshold.map { " \(symbol) \(Self.number($0))" } ?? ""
        if kind == .resolved {
            let lasted = Self.duration(ms: max(0, atMs - instance.sinceMs))
            return "\(head): \(series) \(value) after \(lasted), since \(clock(instance.sinceMs))\(why)"
        }
        return
            "\(head): \(series) \(value)\(threshold) (\(instance.severity.rawValue)) since \(clock(instance.sinceMs))"
    }

    /// `12:03:10` in the hub's time zone.
    public func clock(_ ms: Int64) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents(
            [.hour, .minute, .second], from: Date(timeIntervalSince1970: Double(ms) / 1000))
        return String(format: "%02d:%02d:%02d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    /// `93.2`, `80`, `0.75`: at most two decimals, no trailing zeros.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// `4m10s`, rounded to whole seconds.
    public static func duration(ms: Int64) -> String {
        SpecDuration(milliseconds: (ms + 500) / 1000 * 1000).description
    }
}
