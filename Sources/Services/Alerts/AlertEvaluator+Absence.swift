import SMSCore
import Spec

/// Absence rules (`absent_for`, e.g. `machine_down`): fire when a machine (or a metric of it) stops reporting.
extension AlertEvaluator {
    /// Fires `rule` for `machine` when nothing arrived for `absent_for`, once the restart grace is over.
    ///
    /// Without a batch in this run, the clock starts at `startMs`: a hub that just restarted gives collectors
    /// `max(absent_for, minimumGraceMs)` to reconnect before it calls anything down.
    mutating func fireAbsence(_ rule: AlertRule, _ machine: Machine, nowMs: Int64) -> AlertTransition? {
        guard let absentMs = rule.absentFor?.milliseconds else { return nil }
        let key = AlertKey(rule: rule.name, machine: machine.id)
        guard instances[key] == nil, nowMs >= startMs + max(absentMs, minimumGraceMs) else { return nil }
        // A machine never seen (not since this start, nor before it) is pending, not down: a fresh install must
        // not page for machines nobody has set up yet. Once seen, its silence counts.
        guard lastBatchMs[machine.id] != nil || knownLastSeenMs[machine.id] != nil else { return nil }
        let seen = rule.metric == nil ? lastBatchMs[machine.id] : lastMetricMs[rule.name]?[machine.id]
        let base = seen ?? startMs
        guard nowMs - base >= absentMs else { return nil }
        let instance = AlertInstance(
            key: key, metric: rule.metric, labels: rule.labels, phase: .firing, severity: .critical,
            pendingSinceMs: base, firingSinceMs: nowMs, value: Double(nowMs - base) / 1000,
            threshold: Double(absentMs) / 1000, updatedMs: nowMs, lastSeenMs: seen ?? knownLastSeenMs[machine.id])
        instances[key] = instance
        return AlertTransition(kind: .firing, atMs: nowMs, instance: instance)
    }

    /// Records that `machine` reported and resolves its absence alerts that `batch` answers.
    mutating func resolveAbsence(_ machine: Machine, batch: Batch, rules: CompiledRules, nowMs: Int64)
        -> [AlertTransition]
    {
        var out: [AlertTransition] = []
        for rule in rules.absence where rule.machines.matches(machine) {
            if let metric = rule.metric {
                let seen = batch.samples.contains {
                    $0.series.metric == metric && $0.series.matches(labels: rule.labels)
                }
                guard seen else { continue }
                lastMetricMs[rule.name, default: [:]][machine.id] = nowMs
            }
            let key = AlertKey(rule: rule.name, machine: machine.id)
            guard var instance = instances.removeValue(forKey: key) else { continue }
            instance.value = Double(nowMs - instance.pendingSinceMs) / 1000
            instance.updatedMs = nowMs
            out.append(AlertTransition(kind: .resolved, atMs: nowMs, instance: instance))
        }
        return out
    }
}
