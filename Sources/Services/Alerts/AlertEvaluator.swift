import SMSCore
import Spec

/// Every rule of the spec over the live stream: one instance per (rule, machine, series), pure logic.
///
/// `ingest` evaluates threshold rules on each batch; `tick` (about every second) handles what happens with no
/// data: `keep_firing_for` running out, absence rules, series that disappeared. The caller passes the spec in
/// force each time, so a reload applies at the next evaluation; instances that no longer belong to any rule
/// resolve. Time is the hub's clock (`nowMs`), never the samples' timestamps.
public struct AlertEvaluator: Sendable {
    public internal(set) var instances: [AlertKey: AlertInstance]
    /// When this evaluator started; absence rules wait out a grace period from here.
    public let startMs: Int64
    /// Absence rules never fire before `startMs + max(absent_for, minimumGraceMs)`: collectors reconnect.
    public var minimumGraceMs: Int64
    /// A series not seen for this long while its machine keeps reporting resolves (an unmounted disk).
    public var staleAfterMs: Int64
    /// A batch this much older than the machine's usual lag is a replayed backlog (see `isReplay`).
    public var replayLagMs: Int64 = 60_000
    var rules: CompiledRules? {
        didSet { ruled = [:] }
    }
    /// Per machine, whether some rule watches the metric at each position of its batches (most positions have
    /// none): a batch with the machine's usual series looks no metric up.
    var ruled: [String: PositionalMemo<SeriesKey, Bool>] = [:]
    var firstBatchMs: [String: Int64] = [:]
    var lastBatchMs: [String: Int64] = [:]
    /// Absence rules with a metric: rule → machine → when a matching sample last arrived.
    var lastMetricMs: [String: [String: Int64]] = [:]
    /// Per machine: the smallest arrival lag seen recently (clock drift plus transit), and when it was set.
    var lagBaseline: [String: (lagMs: Int64, setMs: Int64)] = [:]
    /// Last-seen times from before a restart: only for messages, never for timing.
    var knownLastSeenMs: [String: Int64]

    public init(
        startMs: Int64, restored: [AlertInstance] = [], lastSeenMs: [String: Int64] = [:],
        minimumGraceMs: Int64 = 30_000, staleAfterMs: Int64 = 300_000
    ) {
        self.startMs = startMs
        instances = Dictionary(restored.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        knownLastSeenMs = lastSeenMs
        self.minimumGraceMs = minimumGraceMs
        self.staleAfterMs = staleAfterMs
    }

    /// When each machine was last seen, as far as this evaluator knows (to persist for messages).
    public var lastSeenMs: [String: Int64] { knownLastSeenMs.merging(lastBatchMs) { _, new in new } }

    /// Evaluates every threshold rule on `batch`, and resolves absence alerts of its machine.
    public mutating func ingest(_ batch: Batch, spec: SpecVersion, nowMs: Int64) -> [AlertTransition] {
        var out = reconcile(spec, nowMs: nowMs)
        guard let rules, let machine = rules.machines[batch.machine] else { return out }
        firstBatchMs[machine.id] = firstBatchMs[machine.id] ?? nowMs
        lastBatchMs[machine.id] = nowMs
        out += resolveAbsence(machine, batch: batch, rules: rules, nowMs: nowMs)
        if isReplay(batch, nowMs: nowMs) { return out }
        var layout = ruled.removeValue(forKey: machine.id) ?? PositionalMemo()
        defer { ruled[machine.id] = layout }
        for (i, sample) in batch.samples.enumerated() where sample.value.isFinite {
            guard layout.value(at: i, for: sample.series, { rules.byMetric[$0.metric] != nil }),
                let candidates = rules.byMetric[sample.series.metric]
            else { continue }
            for rule in candidates where sample.series.matches(labels: rule.labels) && rule.machines.matches(machine) {
                guard let levels = AlertLevels.resolve(rule, for: machine) else { continue }
                let key = AlertKey(rule: rule.name, machine: machine.id, series: sample.series.description)
                let step = ThresholdStep(rule: rule, levels: levels, nowMs: nowMs)
                let (after, transitions) = step.apply(sample.value, to: instances[key], key: key, series: sample.series)
                instances[key] = after
                out += transitions
            }
        }
        return out
    }

    /// Time-driven changes: `keep_firing_for` expiry, vanished series, and absence rules.
    public mutating func tick(spec: SpecVersion, nowMs: Int64) -> [AlertTransition] {
        var out = reconcile(spec, nowMs: nowMs)
        guard let rules else { return out }
        for key in instances.keys.sorted() {
            guard let instance = instances[key], let rule = rules.byName[key.rule], !rule.isAbsence,
                let machine = rules.machines[key.machine], let levels = AlertLevels.resolve(rule, for: machine)
            else { continue }
            let step = ThresholdStep(rule: rule, levels: levels, nowMs: nowMs)
            if let resolved = step.resolveIfDue(instance) {
                instances[key] = nil
                out.append(resolved)
            } else if isStale(instance, nowMs: nowMs) {
                instances[key] = nil
                let kind: AlertTransition.Kind = instance.phase == .firing ? .resolved : .cancelled
                out.append(AlertTransition(kind: kind, atMs: nowMs, instance: instance, reason: "series gone"))
            }
        }
        for rule in rules.absence {
            for machine in spec.spec.machines where rules.covers(rule, machine) {
                if let fired = fireAbsence(rule, machine, nowMs: nowMs) { out.append(fired) }
            }
        }
        return out
    }

    /// Records that receivers were told about `key` at `severity`.
    public mutating func markNotified(_ key: AlertKey, severity: AlertSeverity, atMs: Int64) {
        guard var instance = instances[key] else { return }
        instance.notifiedSeverity = max(instance.notifiedSeverity ?? severity, severity)
        instance.lastNotifiedMs = atMs
        instances[key] = instance
    }

    /// On a new spec, resolves (or cancels) every instance that no longer belongs to an enabled rule.
    mutating func reconcile(_ spec: SpecVersion, nowMs: Int64) -> [AlertTransition] {
        if let rules, rules.hash == spec.hash { return [] }
        let compiled = CompiledRules(spec)
        rules = compiled
        var out: [AlertTransition] = []
        for key in instances.keys.sorted() {
            guard let instance = instances[key], let reason = compiled.invalidation(of: instance) else { continue }
            instances[key] = nil
            let kind: AlertTransition.Kind = instance.phase == .firing ? .resolved : .cancelled
            out.append(AlertTransition(kind: kind, atMs: nowMs, instance: instance, reason: reason))
        }
        return out
    }

    /// True for a batch from a collector's backlog, replayed after a reconnect: its values are the past,
    /// not the machine's state now, and evaluating them would fire and resolve alerts nobody can act on.
    ///
    /// Sample clocks drift, so the test is relative: the batch's lag (hub time minus sample time) against the
    /// smallest lag the machine showed recently. The baseline is re-learnt every 10 minutes, so a machine
    /// whose clock jumped back is evaluated again after at most that long.
    mutating func isReplay(_ batch: Batch, nowMs: Int64) -> Bool {
        let lag = nowMs - batch.timestampMs
        var baseline = lagBaseline[batch.machine] ?? (lag, nowMs)
        if lag < baseline.lagMs || nowMs - baseline.setMs > 600_000 { baseline = (lag, nowMs) }
        lagBaseline[batch.machine] = baseline
        return lag - baseline.lagMs > replayLagMs
    }

    /// True when the machine has reported for a while without this series (a disk unmounted, a NIC removed).
    func isStale(_ instance: AlertInstance, nowMs: Int64) -> Bool {
        guard let first = firstBatchMs[instance.key.machine], let last = lastBatchMs[instance.key.machine] else {
            return false
        }
        return nowMs - first >= staleAfterMs && nowMs - instance.updatedMs >= staleAfterMs
            && nowMs - last < staleAfterMs
    }
}

extension AlertEvaluator {
    /// Sets an absence alert's "last seen" when another source (the state store) knows it.
    public mutating func setLastSeen(_ key: AlertKey, _ ms: Int64) {
        instances[key]?.lastSeenMs = ms
    }
}
