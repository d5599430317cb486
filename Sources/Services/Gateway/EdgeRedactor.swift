import Spec

/// Decides what one edge may see: only its machines, only its metrics, nothing private.
///
/// Redaction happens here, at the gateway, so private data never leaves the hub: host names, labels, agent and
/// config details, top processes, and every metric outside `Edge.metrics` (catalog names or group names).
struct EdgeRedactor: Sendable {
    let machines: Set<String>
    let metrics: Set<String>

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
    }

    func allows(machine: String) -> Bool { machines.contains(machine) }

    func allows(metric: String) -> Bool { metrics.contains(metric) }

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
        if allows(metric: "cpu.usage_percent") { out.cpu = v.cpu }
        if allows(metric: "cpu.count") { out.cores = v.cores }
        if allows(metric: "memory.used_percent") { out.memory = v.memory }
        if allows(metric: "memory.used_bytes") { out.memoryUsedBytes = v.memoryUsedBytes }
        if allows(metric: "memory.total_bytes") { out.memoryTotalBytes = v.memoryTotalBytes }
        if allows(metric: "disk.used_percent") { (out.disk, out.diskMount) = (v.disk, v.diskMount) }
        if allows(metric: "diskio.read_bytes_per_second") { out.diskReadBytes = v.diskReadBytes }
        if allows(metric: "diskio.write_bytes_per_second") { out.diskWriteBytes = v.diskWriteBytes }
        if allows(metric: "net.rx_bytes_per_second") { out.netRxBytes = v.netRxBytes }
        if allows(metric: "net.tx_bytes_per_second") { out.netTxBytes = v.netTxBytes }
        if allows(metric: "load.1m") { out.load1 = v.load1 }
        if allows(metric: "load.5m") { out.load5 = v.load5 }
        if allows(metric: "load.15m") { out.load15 = v.load15 }
        if allows(metric: "system.uptime_seconds") { out.uptimeSeconds = v.uptimeSeconds }
        return out
    }

    /// An alert of a visible machine on a visible metric (or an absence alert); free text is dropped.
    func alert(_ a: AlertStatusDTO) -> AlertStatusDTO? {
        guard allows(machine: a.machine) else { return nil }
        var out = a
        out.message = nil
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
