import SMSCore
import Foundation
import Spec

/// Merges the spec's machines with their live state and alerts into what the dashboard shows.
struct FleetView: Sendable {
    let context: GatewayContext

    /// Every declared machine (seen or not) plus any undeclared one still reporting, worst first.
    func summaries() async throws -> (version: SpecVersion, machines: [MachineSummary]) {
        let version = context.spec.current()
        let states = Dictionary(try await context.state.all().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let alerts = await activeAlerts()
        let nowMs = Self.nowMs()
        let gaps = await context.gaps.records(nowMs: nowMs)
        var out = version.spec.machines.map {
            Self.summary(
                spec: $0, state: states[$0.id], alerts: alerts[$0.id] ?? [], version: version, nowMs: nowMs,
                gaps: gaps[$0.id])
        }
        let declared = Set(version.spec.machines.map(\.id))
        for (id, state) in states where !declared.contains(id) {
            out.append(Self.summary(
                id: id, state: state, alerts: alerts[id] ?? [], version: version, nowMs: nowMs, gaps: gaps[id]))
        }
        return (version, Self.sorted(out))
    }

    /// One machine's summary; nil when the spec does not declare it and it never reported.
    func summary(_ id: String) async throws -> MachineSummary? {
        let version = context.spec.current()
        let state = try await context.state.machine(id)
        let spec = version.spec.machine(id)
        guard spec != nil || state != nil else { return nil }
        let alerts = await activeAlerts()[id] ?? []
        let nowMs = Self.nowMs()
        let gaps = await context.gaps.records(nowMs: nowMs)[id]
        if let spec {
            return Self.summary(spec: spec, state: state, alerts: alerts, version: version, nowMs: nowMs, gaps: gaps)
        }
        return Self.summary(id: id, state: state, alerts: alerts, version: version, nowMs: nowMs, gaps: gaps)
    }

    /// Summary plus every current value, the history's series list and the top processes.
    func detail(_ id: String, includeSeries: Bool = true) async throws -> MachineDetail? {
        guard let machine = try await summary(id) else { return nil }
        let state = try await context.state.machine(id)
        let samples = (state?.values ?? [:]).compactMap { key, value -> SeriesValue? in
            guard let series = SeriesKey(canonical: key) else { return nil }
            return SeriesValue(metric: series.metric, labels: series.labels, value: value)
        }.sorted { ($0.metric, $0.labels.description) < ($1.metric, $1.labels.description) }
        var series: [SeriesKey] = []
        if includeSeries { series = (try? await context.history.series(machine: id)) ?? [] }
        return MachineDetail(machine: machine, samples: samples, series: series.sorted(), top: state?.top ?? [])
    }

    /// Active alerts grouped by machine.
    func activeAlerts() async -> [String: [AlertStatusDTO]] {
        Dictionary(grouping: await context.alerts?.active() ?? [], by: \.machine)
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Worst first (critical, warning, down, no data, ok), then by id.
    static func sorted(_ machines: [MachineSummary]) -> [MachineSummary] {
        machines.sorted { ($0.status.rank, $0.id) < ($1.status.rank, $1.id) }
    }

    /// `figures`: the card figures when the caller already has them for the state's newest sample.
    static func summary(
        spec: Machine, state: MachineState?, alerts: [AlertStatusDTO], version: SpecVersion, nowMs: Int64,
        figures: KeyValues? = nil, gaps: MachineGaps? = nil
    ) -> MachineSummary {
        var summary = summary(
            id: spec.id, state: state, alerts: alerts, version: version, nowMs: nowMs, figures: figures)
        summary.host = spec.host
        summary.labels = spec.labels
        summary.intervalMs = spec.interval.milliseconds
        summary.completeness = GapIndex.completeness(
            gaps, lastSampleMs: state?.lastSampleMs, intervalMs: summary.intervalMs, nowMs: nowMs)
        summary.declared = true
        summary.status = status(summary, alerts: alerts, nowMs: nowMs)
        return summary
    }

    static func summary(
        id: String, state: MachineState?, alerts: [AlertStatusDTO], version: SpecVersion, nowMs: Int64,
        figures: KeyValues? = nil, gaps: MachineGaps? = nil
    ) -> MachineSummary {
        let worst = alerts.filter { $0.state == .firing }.map(\.severity).min { $0.rank < $1.rank }
        var summary = MachineSummary(
            id: id, host: nil, labels: [:], intervalMs: version.spec.defaults.interval.milliseconds, declared: false,
            status: .pending, connected: state?.connected ?? false, lastSeenMs: state?.lastSeenMs,
            lastSampleMs: state?.lastSampleMs, lagMs: state?.lagMs, clockOffsetMs: state?.clockOffsetMs,
            agentVersion: state?.agentVersion,
            configHash: state?.specHash,
            specDrift: state?.specHash.flatMap { reported in
                version.spec.machine(id).map { reported != version.spec.collectorConfigHash($0) }
            },
            backlog: state?.backlog, samplesPerSecond: state?.samplesPerSecond ?? 0,
            completeness: GapIndex.completeness(
                gaps, lastSampleMs: state?.lastSampleMs, intervalMs: version.spec.defaults.interval.milliseconds,
                nowMs: nowMs),
            values: figures ?? keyValues(state?.values ?? [:]), alertState: worst, alerts: alerts)
        summary.status = status(summary, alerts: alerts, nowMs: nowMs)
        return summary
    }

    /// Firing alerts decide first; then a machine is down when disconnected or silent for 3 intervals (≥ 15 s).
    static func status(_ m: MachineSummary, alerts: [AlertStatusDTO], nowMs: Int64) -> MachineStatus {
        if let severity = m.alertState { return severity == .critical ? .critical : .warning }
        guard let lastSeen = m.lastSeenMs else { return .pending }
        let silentFor = nowMs - lastSeen
        if !m.connected || silentFor > max(15_000, 3 * m.intervalMs) { return .down }
        return .ok
    }
}
