import SMSCore
import Spec

/// The state machine of one threshold alert instance: what one new value does to it.
///
/// inactive → pending when a level is reached; pending → firing once it held for `for`; firing escalates
/// and de-escalates with the value; firing → resolved only once the value is past `clear` (and, with
/// `keep_firing_for`, stayed there that long). Pure: the same input always gives the same output.
struct ThresholdStep {
    var rule: AlertRule
    var levels: AlertLevels
    var nowMs: Int64

    /// The instance after `value` (nil: inactive), and the transitions it went through.
    func apply(_ value: Double, to current: AlertInstance?, key: AlertKey, series: SeriesKey)
        -> (AlertInstance?, [AlertTransition])
    {
        let breach = levels.breach(value)
        guard var instance = current else {
            guard let breach else { return (nil, []) }
            let started = AlertInstance(
                key: key, metric: series.metric, labels: series.labels, phase: .pending, severity: breach.severity,
                pendingSinceMs: nowMs, value: value, threshold: breach.threshold, updatedMs: nowMs)
            var transitions = [AlertTransition(kind: .pending, atMs: nowMs, instance: started)]
            let after = fireIfDue(started, into: &transitions)
            return (after, transitions)
        }
        instance.value = value
        instance.updatedMs = nowMs
        var transitions: [AlertTransition] = []
        switch instance.phase {
        case .pending:
            guard let breach else {
                return (nil, [AlertTransition(kind: .cancelled, atMs: nowMs, instance: instance)])
            }
            instance.severity = breach.severity
            instance.threshold = breach.threshold
            return (fireIfDue(instance, into: &transitions), transitions)
        case .firing:
            if let breach {
                instance.clearedSinceMs = nil
                setSeverity(breach.severity, threshold: breach.threshold, of: &instance, into: &transitions)
            } else if levels.isCleared(value) {
                instance.clearedSinceMs = instance.clearedSinceMs ?? nowMs
                if let resolved = resolveIfDue(instance) { return (nil, [resolved]) }
            } else {
                // Between `clear` and the warning level: still firing, at most a warning.
                instance.clearedSinceMs = nil
                if instance.severity == .critical {
                    setSeverity(.warning, threshold: levels.threshold(for: .warning), of: &instance, into: &transitions)
                }
            }
            return (instance, transitions)
        }
    }

    /// pending → firing once the condition held for `for`.
    func fireIfDue(_ instance: AlertInstance, into transitions: inout [AlertTransition]) -> AlertInstance {
        guard instance.phase == .pending, nowMs - instance.pendingSinceMs >= rule.forDuration.milliseconds else {
            return instance
        }
        var fired = instance
        fired.phase = .firing
        fired.firingSinceMs = nowMs
        fired.peakSeverity = fired.severity
        transitions.append(AlertTransition(kind: .firing, atMs: nowMs, instance: fired))
        return fired
    }

    /// The `resolved` transition when a cleared firing instance has waited out `keep_firing_for`.
    func resolveIfDue(_ instance: AlertInstance) -> AlertTransition? {
        guard instance.phase == .firing, let cleared = instance.clearedSinceMs else { return nil }
        let hold = rule.keepFiringFor?.milliseconds ?? 0
        guard nowMs - cleared >= hold else { return nil }
        return AlertTransition(kind: .resolved, atMs: nowMs, instance: instance)
    }

    /// Escalates or de-escalates a firing instance, recording the change.
    private func setSeverity(
        _ severity: AlertSeverity, threshold: Double?, of instance: inout AlertInstance,
        into transitions: inout [AlertTransition]
    ) {
        instance.threshold = threshold
        guard severity != instance.severity else { return }
        instance.severity = severity
        instance.peakSeverity = max(instance.peakSeverity, severity)
        let kind: AlertTransition.Kind = severity == .critical ? .escalated : .deescalated
        transitions.append(AlertTransition(kind: kind, atMs: nowMs, instance: instance))
    }
}
