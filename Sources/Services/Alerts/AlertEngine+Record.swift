import SMSCore
import Foundation
import Logging
import Spec

/// The event log, firing periods and notifications the engine builds from transitions.
extension AlertEngine {
    /// Remembers the rules of a new spec, keeping removed ones for their last notifications.
    func learnRules(_ version: SpecVersion) {
        guard version.hash != knownHash else { return }
        knownHash = version.hash
        for rule in version.spec.alerts { knownRules[rule.name] = rule }
    }

    /// Adds `transition` to the event log and, for firing periods, to history; logs it.
    func record(_ transition: AlertTransition, into changes: inout AlertStoreChanges) {
        changes.events.append(AlertEventRecord(transition))
        let instance = transition.instance
        switch transition.kind {
        case .firing, .escalated, .deescalated, .resolved:
            let ended = transition.kind == .resolved ? transition.atMs : nil
            let kind: AlertNotification.Kind = transition.kind == .resolved ? .resolved : .firing
            changes.periods.append(
                AlertPeriod(
                    key: instance.key, severity: instance.peakSeverity, sinceMs: instance.sinceMs, endedMs: ended,
                    value: instance.value, threshold: instance.threshold,
                    summary: summary(kind, instance, at: transition.atMs, reason: transition.reason)))
        case .pending, .cancelled:
            break
        }
        let level: Logger.Level = transition.kind == .pending || transition.kind == .cancelled ? .debug : .info
        logger.log(
            level: level, "alert transition",
            metadata: [
                "alert": "\(instance.key)", "transition": "\(transition.kind.rawValue)",
                "severity": "\(instance.severity.rawValue)",
                "value": "\(instance.value.map(AlertSummary.number) ?? "-")",
                "reason": "\(transition.reason ?? "-")",
            ])
    }

    /// A notification of `kind` about `instance`, with the rule's direction and the spec's name.
    func notification(
        _ kind: AlertNotification.Kind, _ instance: AlertInstance, at nowMs: Int64, reason: String?,
        _ version: SpecVersion
    ) -> (AlertNotification, [NotifyChannel]) {
        let rule = knownRules[instance.key.rule]
        let notification = AlertNotification(
            kind: kind, atMs: nowMs, instance: instance, direction: rule?.direction ?? .above,
            isAbsence: isAbsence(instance), reason: reason, specName: version.spec.name, timeZone: timeZone,
            dashboardURL: version.spec.dashboardBase)
        return (notification, NotificationPolicy.channels(for: rule, in: version.spec))
    }

    /// The one-line summary of `instance`.
    func summary(_ kind: AlertNotification.Kind, _ instance: AlertInstance, at nowMs: Int64, reason: String?) -> String
    {
        AlertSummary(timeZone: timeZone).text(
            kind: kind, instance: instance, direction: knownRules[instance.key.rule]?.direction ?? .above,
            isAbsence: isAbsence(instance), atMs: nowMs, reason: reason)
    }

    func isAbsence(_ instance: AlertInstance) -> Bool {
        knownRules[instance.key.rule]?.isAbsence ?? instance.key.series.isEmpty
    }

    /// Fills in "last seen" of an absence alert from the state store when this process never saw the machine.
    func withLastSeen(_ transition: AlertTransition) async -> AlertTransition {
        guard transition.kind == .firing, isAbsence(transition.instance), transition.instance.lastSeenMs == nil,
            let seen = try? await state.machine(transition.key.machine)?.lastSeenMs
        else { return transition }
        var updated = transition
        updated.instance.lastSeenMs = seen
        evaluator.setLastSeen(transition.key, seen)
        return updated
    }

    /// Machines' last-seen times, saved at most every 10 s (or with any transition): only messages need them.
    func collectLastSeen(into changes: inout AlertStoreChanges, nowMs: Int64, force: Bool) {
        guard force || nowMs - lastSeenSavedAtMs >= 10_000 else { return }
        lastSeenSavedAtMs = nowMs
        for (machine, ms) in evaluator.lastSeenMs where savedLastSeen[machine] != ms {
            changes.lastSeenMs[machine] = ms
            savedLastSeen[machine] = ms
        }
    }

    /// Pending and firing alerts as the gateway shows them; a muted one says why in its message.
    func active() -> [AlertStatusDTO] {
        let now = clock.nowMs()
        let mute = AlertMute(silences: silences, spec: spec.current().spec, timeZone: timeZone)
        return evaluator.instances.values.sorted { ($0.severity, $1.key) > ($1.severity, $0.key) }.map { instance in
            var message = summary(.firing, instance, at: now, reason: nil)
            if let muted = mute.reason(for: instance.key, atMs: now) { message += "; notifications muted: \(muted)" }
            return AlertStatusDTO(
                rule: instance.key.rule, machine: instance.key.machine,
                series: instance.key.series.isEmpty ? nil : instance.key.series,
                severity: instance.severity == .critical ? .critical : .warning,
                state: instance.phase == .firing ? .firing : .pending, sinceMs: instance.sinceMs,
                value: instance.value, threshold: instance.threshold, message: message,
                acknowledged: acknowledgement(of: instance).map(AcknowledgedDTO.init))
        }
    }

    /// Firing periods, newest first, from the store.
    func history(limit: Int) async -> [AlertStatusDTO] {
        do {
            return try await store.periods(limit: limit).map { period in
                AlertStatusDTO(
                    rule: period.key.rule, machine: period.key.machine,
                    series: period.key.series.isEmpty ? nil : period.key.series,
                    severity: period.severity == .critical ? .critical : .warning,
                    state: period.endedMs == nil ? .firing : .resolved, sinceMs: period.sinceMs,
                    endedMs: period.endedMs,
                    value: period.value, threshold: period.threshold, message: period.summary)
            }
        } catch {
            logger.error("alert history not readable", metadata: ["error": "\(error)"])
            return []
        }
    }
}
