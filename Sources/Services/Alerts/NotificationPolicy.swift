import SMSCore
import Spec

/// When receivers hear about an alert: exactly once when it fires, once more if it escalates beyond what
/// they were told, every `repeat_interval` while it stays firing, and once when it resolves. An acknowledged
/// alert (someone is on it) gets no first or repeated firing notification; an escalation still goes out.
///
/// Decisions rest on what the instance records as notified (persisted with it), never on transitions alone:
/// a restarted hub does not repeat a firing notification, and an alert that fired while muted is announced
/// when the silence or maintenance window ends.
public enum NotificationPolicy {
    /// What to send for a pending or firing `instance` now, if anything.
    public static func due(
        _ instance: AlertInstance, muted: Bool, acknowledged: Bool = false, nowMs: Int64,
        repeatInterval: SpecDuration?
    ) -> AlertNotification.Kind? {
        guard instance.phase == .firing, !muted else { return nil }
        guard let notified = instance.notifiedSeverity else { return acknowledged ? nil : .firing }
        if instance.severity > notified { return .escalated }
        if !acknowledged, let repeatMs = repeatInterval?.milliseconds, repeatMs > 0, let last = instance.lastNotifiedMs,
            nowMs - last >= repeatMs
        {
            return .repeated
        }
        return nil
    }

    /// True when a resolved instance must be announced: receivers were told it fired.
    ///
    /// Sent even while muted: it closes an incident receivers already opened, so it is never noise.
    public static func announcesResolution(_ instance: AlertInstance) -> Bool {
        instance.notifiedSeverity != nil
    }

    /// The channels `rule` notifies: the ones it names, or every channel of the spec.
    public static func channels(for rule: AlertRule?, in spec: Spec) -> [NotifyChannel] {
        guard let names = rule?.notify, !names.isEmpty else { return spec.notify }
        return spec.notify.filter { names.contains($0.name) }
    }
}
