import SMSCore
import Spec

/// Decides what one edge may see: only its machines, only its metrics, nothing private.
///
/// Redaction happens here, at the gateway, so private data never leaves the hub: host names, labels, agent and
/// config details, top processes, and every metric outside `Edge.metrics` (catalog names or group names).
struct EdgeRedactor: Sendable {
    let machines: Set<String>
    let metrics: Set<String>
    /// True when the edge lists the `custom` group: every `custom.NAME` of its machines.
    let custom: Bool

    init(_ edge: Edge) {
        machines = Set(edge.machines)
        var names = Set<String>()
        for entry in edge.metrics {
            if let group = MetricGroup(rawValue: entry) {
                names.formUnion(MetricCatalog.metrics(in: group).map(\.name))
            } else if MetricCatalog.info(entry) != nil {
                names.insert(entry)
            }
        }
        metrics = names
        custom = edge.metrics.contains(MetricGroup.custom.rawValue)
    }

    func allows(machine: String) -> Bool { machines.contains(machine) }

    func allows(metric: String) -> Bool {
        metrics.contains(metric) || (custom && metric.hasPrefix(MetricCatalog.customPrefix))
    }

    /// The public form of a summary; nil for a machine the edge may not see.
    func summary(_ m: MachineSummary) -> MachineSummary? {
        guard allows(machine: m.id) else { return nil }
        var out = m
        out.host = nil
        out.labels = [:]
        out.agentVersion = nil
        out.configHash = nil
        out.specDrift = nil
        out.backlog = nil
        out.clockOffsetMs = nil
        out.samplesPerSecond = 0
        out.values = values(m.values)
        out.alerts = m.alerts.compactMap(alert)
        out.alertState = out.alerts.filter { $0.state == .firing }.map(\.severity).min { $0.rank < $1.rank }
        // A status raised by a hidden alert must not show through.
        out.status = FleetView.status(out, alerts: out.alerts, nowMs: FleetView.nowMs())
        return out
    }

    /// Card figures of allowed metrics only.
    func values(_ v: KeyValues) -> KeyValues {
        var out = KeyValues()
        for figure in CardFigure.all where allows(metric: figure.metric) {
            out[keyPath: figure.value] = v[keyPath: figure.value]
            if figure.combine == .fullest { out.diskMount = v.diskMount }
            if figure.combine == .busiest { out.topContainer = v.topContainer }
        }
        return out
    }

    /// An alert of a visible machine on a visible metric (or an absence alert); free text is dropped.
    func alert(_ a: AlertStatusDTO) -> AlertStatusDTO? {
        guard allows(machine: a.machine) else { return nil }
        var out = a
        out.message = nil
        // That it is acknowledged is public; who did and what they wrote is not.
        out.acknowledged?.by = nil
        out.acknowledged?.comment = nil
        if let series = a.series {
            guard let key = SeriesKey(canonical: series), allows(metric: key.metric) else { return nil }
        }
        return out
    }

    /// The public form of a detail: allowed samples and series, no processes.
    func detail(_ d: MachineDetail) -> MachineDetail? {
        guard let machine = summary(d.machine) else { return nil }
        return MachineDetail(
            machine: machine, samples: d.samples.filter { allows(metric: $0.metric) },
            series: d.series.filter { allows(metric: $0.metric) }, top: [])
    }

    /// Recent card figures of allowed metrics only.
    func recent(_ r: RecentFigures) -> RecentFigures {
        var out = r
        if !allows(metric: "cpu.usage_percent") { out.cpu = r.cpu.map { _ in nil } }
        if !allows(metric: "memory.used_percent") { out.mem = r.mem.map { _ in nil } }
        if !allows(metric: "net.rx_bytes_per_second") || !allows(metric: "net.tx_bytes_per_second") {
            out.net = r.net.map { _ in nil }
        }
        return out
    }
}
