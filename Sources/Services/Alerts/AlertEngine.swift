import SMSCore
import Foundation
import Logging
import Spec

/// The alerts service's state: the evaluator, silences, what was persisted, and what to notify.
///
/// Every change goes the same way: evaluate → decide notifications and mark them sent → persist → send.
/// Persisting before sending is what keeps a restarted hub from announcing the same firing twice.
actor AlertEngine {
    let spec: any SpecProvider
    let store: any AlertStateStore
    let sink: any NotificationSink
    let state: any StateStore
    let clock: any AlertClock
    let silenceStore: SilenceStore?
    let timeZone: TimeZone
    let metrics: AlertsMetrics
    let logger: Logger
    var evaluator: AlertEvaluator
    var silences: [Silence] = []
    var acknowledgements: [Acknowledgement] = []
    var silenceFingerprint: String?
    /// Rules by name, including removed ones: a resolution of a removed rule still knows its channels.
    var knownRules: [String: AlertRule] = [:]
    var knownHash: String?
    /// Instances whose value changed since the last save.
    var dirty: Set<AlertKey> = []
    var savedLastSeen: [String: Int64]
    var lastSeenSavedAtMs: Int64 = 0

    init(
        spec: any SpecProvider, store: any AlertStateStore, sink: any NotificationSink, state: any StateStore,
        clock: any AlertClock, snapshot: AlertStoreSnapshot, silenceStore: SilenceStore?,
        options: AlertsService.Options,
        metrics: AlertsMetrics, logger: Logger
    ) {
        self.spec = spec
        self.store = store
        self.sink = sink
        self.state = state
        self.clock = clock
        self.silenceStore = silenceStore
        timeZone = options.timeZone
        self.metrics = metrics
        self.logger = logger
        savedLastSeen = snapshot.lastSeenMs
        evaluator = AlertEvaluator(
            startMs: clock.nowMs(), restored: snapshot.instances, lastSeenMs: snapshot.lastSeenMs,
            minimumGraceMs: options.minimumGrace.milliseconds, staleAfterMs: options.staleAfter.milliseconds)
    }

    /// Evaluates one batch of the live stream.
    func ingest(_ batch: Batch) async {
        let now = clock.nowMs()
        let version = spec.current()
        let transitions = evaluator.ingest(batch, spec: version, nowMs: now)
        for (key, instance) in evaluator.instances where key.machine == batch.machine && instance.updatedMs == now {
            dirty.insert(key)
        }
        await settle(transitions, version: version, nowMs: now, checkAll: false)
    }

    /// Time-driven evaluation (about every second): absence, `keep_firing_for`, repeats, ended silences.
    func tick() async {
        let now = clock.nowMs()
        let version = spec.current()
        let transitions = evaluator.tick(spec: version, nowMs: now)
        await settle(transitions, version: version, nowMs: now, checkAll: true)
    }

    /// Re-reads the silences file when it changed (or always, with `force`); a broken file keeps the old list.
    func reloadSilences(force: Bool = false) {
        guard let silenceStore else { return }
        let fingerprint = silenceStore.fingerprint()
        guard force || fingerprint != silenceFingerprint else { return }
        silenceFingerprint = fingerprint
        do {
            let contents = try silenceStore.read()
            silences = contents.silences
            acknowledgements = contents.acks
            logger.info(
                "silences loaded",
                metadata: [
                    "file": "\(silenceStore.url.path)", "count": "\(silences.count)",
                    "acknowledgements": "\(acknowledgements.count)",
                ])
        } catch {
            logger.error("silences not reloaded; keeping the previous ones", metadata: ["error": "\(error)"])
        }
    }

    /// The acknowledgement of `instance`'s current firing period, if someone gave one.
    func acknowledgement(of instance: AlertInstance) -> Acknowledgement? {
        guard instance.phase == .firing else { return nil }
        return acknowledgements.first { $0.covers(instance.key, firingSinceMs: instance.sinceMs) }
    }

    /// Saves values that changed since the last save (called on shutdown).
    func flush() async {
        await settle([], version: spec.current(), nowMs: clock.nowMs(), checkAll: false)
    }

    /// Persists `transitions` and the resulting notifications, then sends them.
    private func settle(_ transitions: [AlertTransition], version: SpecVersion, nowMs: Int64, checkAll: Bool) async {
        learnRules(version)
        var changes = AlertStoreChanges()
        var outgoing: [(AlertNotification, [NotifyChannel])] = []
        let mute = AlertMute(silences: silences, spec: version.spec, timeZone: timeZone)
        var touched = Set<AlertKey>()
        for transition in transitions {
            let transition = await withLastSeen(transition)
            record(transition, into: &changes)
            touched.insert(transition.key)
            if transition.kind == .resolved, NotificationPolicy.announcesResolution(transition.instance) {
                outgoing.append(
                    notification(.resolved, transition.instance, at: nowMs, reason: transition.reason, version))
            }
        }
        let candidates = checkAll ? Set(evaluator.instances.keys) : touched
        for key in candidates.sorted() {
            guard let instance = evaluator.instances[key] else { continue }
            let muted = mute.reason(for: key, atMs: nowMs) != nil
            let rule = knownRules[key.rule]
            guard
                let kind = NotificationPolicy.due(
                    instance, muted: muted, acknowledged: acknowledgement(of: instance) != nil, nowMs: nowMs,
                    repeatInterval: rule?.repeatInterval)
            else { continue }
            evaluator.markNotified(key, severity: instance.severity, atMs: nowMs)
            touched.insert(key)
            outgoing.append(notification(kind, evaluator.instances[key] ?? instance, at: nowMs, reason: nil, version))
        }
        for key in touched.union(dirty) {
            if let instance = evaluator.instances[key] {
                changes.upserts.append(instance)
            } else {
                changes.deletes.append(key)
            }
        }
        dirty = []
        collectLastSeen(into: &changes, nowMs: nowMs, force: !transitions.isEmpty)
        do {
            try await store.save(changes)
        } catch {
            logger.error("alert state not saved; it is kept in memory", metadata: ["error": "\(error)"])
        }
        for (notification, channels) in outgoing { await sink.send(notification, to: channels) }
        let instances = evaluator.instances.values
        metrics.firing.set(Double(instances.filter { $0.phase == .firing }.count))
        metrics.pending.set(Double(instances.filter { $0.phase == .pending }.count))
    }
}
