import SMSCore
import Foundation
import Spec

/// Decides whether notifications for an alert are muted right now, and says why.
///
/// Silences come from `silences.json` (`smsctl silence add`); maintenance windows from the spec, in the hub's
/// local time zone. Muting holds notifications back; the alert itself is still evaluated and shown.
public struct AlertMute: Sendable {
    public var silences: [Silence]
    public var spec: Spec
    public var timeZone: TimeZone

    /// Cheap to make (it is made for every evaluated batch): machines are looked up in the spec when asked.
    public init(silences: [Silence], spec: Spec, timeZone: TimeZone) {
        self.silences = silences
        self.spec = spec
        self.timeZone = timeZone
    }

    /// `silence 1a2b3c4d (reboot)` or `maintenance nightly`; nil when notifications for `key` go out.
    public func reason(for key: AlertKey, atMs now: Int64) -> String? {
        if let silence = silences.first(where: { $0.mutes(key, atMs: now) }) {
            return silence.reason.isEmpty ? "silence \(silence.id)" : "silence \(silence.id) (\(silence.reason))"
        }
        guard !spec.maintenance.isEmpty, let machine = spec.machine(key.machine) else { return nil }
        let window = spec.maintenance.first {
            $0.machines.matches(machine) && $0.isActive(atMs: now, timeZone: timeZone)
        }
        return window.map { "maintenance \($0.name)" }
    }
}

extension MaintenanceWindow {
    /// True when `now`, in `timeZone`, falls inside the window.
    ///
    /// A window whose end is not after its start (`22:00`–`02:00`) spans midnight: its `days` name the day it
    /// starts on, so Saturday 22:00–02:00 covers Sunday 01:00 too.
    public func isActive(atMs now: Int64, timeZone: TimeZone) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let date = Date(timeIntervalSince1970: Double(now) / 1000)
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        guard let weekday = parts.weekday, let hour = parts.hour, let minute = parts.minute else { return false }
        let minuteOfDay = hour * 60 + minute
        let today = Self.weekday(calendarWeekday: weekday)
        let yesterday = Self.weekday(calendarWeekday: weekday == 1 ? 7 : weekday - 1)
        let covers = { (day: Weekday) in days.isEmpty || days.contains(day) }
        if startMinute < endMinute {
            return covers(today) && startMinute <= minuteOfDay && minuteOfDay < endMinute
        }
        return (covers(today) && minuteOfDay >= startMinute) || (covers(yesterday) && minuteOfDay < endMinute)
    }

    /// Foundation numbers weekdays from Sunday = 1.
    static func weekday(calendarWeekday: Int) -> Weekday {
        [.sun, .mon, .tue, .wed, .thu, .fri, .sat][(calendarWeekday - 1) % 7]
    }
}
