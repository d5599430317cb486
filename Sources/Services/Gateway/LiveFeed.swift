import SMSCore
import Logging
import ServiceLifecycle
import Synchronization

/// Turns bus events into coalesced per-client updates: one subscription to the bus for all dashboards.
///
/// Events only mark machines dirty; every `flushInterval` (20 ms) the feed reads the dirty machines' current state
/// once, encodes each summary once and offers the bytes to every client, whose writer sends the latest when it is
/// free. A burst of batches becomes one message; a quiet fleet costs one lock check per interval.
final class LiveFeed: Service {
    let context: GatewayContext
    let configuration: GatewayConfiguration
    let clients: ClientRegistry
    let fleet: FleetView
    let recent = RecentFiguresBook()
    /// Each machine's newest batch, for the Prometheus scrape endpoint.
    let latest = LatestBatches()
    private let dirty = Mutex<Set<String>>([])
    private let last = Mutex<(specHash: String?, alerts: [AlertStatusDTO], alertsAtMs: Int64, refreshAtMs: Int64)>(
        (nil, [], 0, 0))

    /// All machines are re-sent this often, so "down" (a judgement of time) reaches clients.
    static let refreshEveryMs: Int64 = 5_000
    /// Active alerts are re-read this often (and on every full refresh).
    static let alertsEveryMs: Int64 = 250

    init(context: GatewayContext, configuration: GatewayConfiguration, clients: ClientRegistry) {
        self.context = context
        self.configuration = configuration
        self.clients = clients
        self.fleet = FleetView(context: context)
    }

    func run() async throws {
        let events = context.bus.subscribe(bufferSize: 8192)
        last.withLock { $0.specHash = context.spec.current().hash }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                // Sparklines start full after a restart: the last two minutes from history, behind live batches.
                group.addTask(priority: .low) {
                    let ids = self.context.spec.current().spec.machines.map(\.id)
                    await self.recent.seed(from: self.context.history, machines: ids, nowMs: FleetView.nowMs())
                }
                // High priority: in a burst of thousands of batches the flush must not queue behind them.
                group.addTask(priority: .high) {
                    for await event in events { self.mark(event) }
                }
                group.addTask(priority: .high) {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.configuration.flushInterval)
                        if Task.isCancelled { break }
                        await self.flush()
                    }
                }
                await group.waitForAll()
            }
        }
        for client in clients.all() { client.finish() }
    }

    private func mark(_ event: LiveEvent) {
        switch event {
        case .batch(let batch):
            _ = dirty.withLock { $0.insert(batch.machine) }
            recent.record(batch)
            latest.record(batch)
        case .connection(let machine, _, _): _ = dirty.withLock { $0.insert(machine) }
        }
    }

    /// The message a new client gets first.
    func snapshot() async throws -> [UInt8] {
        let (version, machines) = try await fleet.summaries()
        let alerts = await context.alerts?.active() ?? []
        return try LiveMessage.encode(
            LiveMessage.Snapshot(
                serverTimeMs: FleetView.nowMs(), spec: version.spec.name, specHash: version.hash,
                readOnly: configuration.readOnly,
                flushIntervalMs: configuration.flushInterval.components.seconds * 1000
                    + configuration.flushInterval.components.attoseconds / 1_000_000_000_000_000,
                machines: machines, alerts: alerts, recent: recent.all()))
    }

    /// One machine's detail message part, or nil when it is unknown.
    func detail(_ id: String, includeSeries: Bool) async -> [UInt8]? {
        guard let detail = try? await fleet.detail(id, includeSeries: includeSeries) else { return nil }
        return try? LiveMessage.encode(detail)
    }

    /// Sends what changed since the last flush to every client.
    func flush() async {
        let targets = clients.all()
        let version = context.spec.current()
        let reloaded = last.withLock { l in
            defer { l.specHash = version.hash }
            return l.specHash != version.hash
        }
        if reloaded {
            _ = dirty.withLock { $0.removeAll() }
            guard !targets.isEmpty, let bytes = try? await snapshot() else { return }
            for client in targets { client.offerSnapshot(bytes) }
            return
        }
        var ids = dirty.withLock { d in
            defer { d.removeAll() }
            return d
        }
        let nowMs = FleetView.nowMs()
        let (readAlerts, refresh, previousAlerts) = last.withLock { l in
            let refresh = nowMs - l.refreshAtMs >= Self.refreshEveryMs
            let readAlerts = refresh || nowMs - l.alertsAtMs >= Self.alertsEveryMs
            if refresh { l.refreshAtMs = nowMs }
            if readAlerts { l.alertsAtMs = nowMs }
            return (readAlerts, refresh, l.alerts)
        }
        guard readAlerts || !ids.isEmpty else { return }
        let alerts = readAlerts ? await context.alerts?.active() ?? [] : previousAlerts
        let alertsChanged = alerts != previousAlerts
        if alertsChanged { last.withLock { $0.alerts = alerts } }
        if alertsChanged || refresh { ids.formUnion(version.spec.machines.map(\.id)) }
        guard !targets.isEmpty, !ids.isEmpty || alertsChanged else { return }
        let summaries = await encodedSummaries(ids, alerts: alerts, version: version)
        let wanted = targets.reduce(into: Set<String>()) { $0.formUnion($1.subscriptions) }.intersection(ids)
        var details: [String: [UInt8]] = [:]
        for id in wanted { details[id] = await detail(id, includeSeries: false) }
        let alertBytes = alertsChanged ? try? LiveMessage.encode(alerts) : nil
        for client in targets { client.offer(summaries: summaries, details: details, alerts: alertBytes) }
    }

    private func encodedSummaries(
        _ ids: Set<String>, alerts: [AlertStatusDTO], version: SpecVersion
    ) async -> [String: [UInt8]] {
        let byMachine = Dictionary(grouping: alerts, by: \.machine)
        let nowMs = FleetView.nowMs()
        let states = (try? await context.state.machines(Array(ids))) ?? [:]
        let gaps = await context.gaps.records(nowMs: nowMs)
        var out: [String: [UInt8]] = [:]
        for id in ids {
            let state = states[id]
            let figures = recent.figures(id, at: state?.lastSampleMs)
            let summary: MachineSummary
            if let spec = version.spec.machine(id) {
                summary = FleetView.summary(
                    spec: spec, state: state, alerts: byMachine[id] ?? [], version: version, nowMs: nowMs,
                    figures: figures, gaps: gaps[id])
            } else if let state {
                summary = FleetView.summary(
                    id: id, state: state, alerts: byMachine[id] ?? [], version: version, nowMs: nowMs,
                    figures: figures, gaps: gaps[id])
            } else {
                continue
            }
            out[id] = summary.json
        }
        return out
    }
}
