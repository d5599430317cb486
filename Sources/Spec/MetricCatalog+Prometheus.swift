/// How a catalog metric is named and typed in Prometheus' world (the scrape endpoint and the query API).
public struct PrometheusName: Sendable, Equatable {
    /// The Prometheus metric name, `sms_` first, in base units (`_bytes`, `_seconds`, `_percent` for 0–100).
    public let name: String
    /// True for a counter (a total that only grows, named `…_total`); every other metric is a gauge.
    public let counter: Bool

    public init(_ name: String, counter: Bool = false) {
        self.name = name
        self.counter = counter
    }
}

/// The one table from catalog names to Prometheus names; docs/prometheus.md shows it and a test keeps the two,
/// and the catalog, in step. Shares stay `_percent` (0–100) throughout, as sms stores them; nothing is rescaled.
extension MetricCatalog {
    public static let prometheusNames: [String: PrometheusName] = [
        "cpu.usage_percent": .init("sms_cpu_usage_percent"),
        "cpu.mode_percent": .init("sms_cpu_mode_percent"),
        "cpu.core_usage_percent": .init("sms_cpu_core_usage_percent"),
        "cpu.core_mode_percent": .init("sms_cpu_core_mode_percent"),
        "cpu.count": .init("sms_cpu_cores"),
        "memory.total_bytes": .init("sms_memory_total_bytes"),
        "memory.used_bytes": .init("sms_memory_used_bytes"),
        "memory.available_bytes": .init("sms_memory_available_bytes"),
        "memory.cached_bytes": .init("sms_memory_cached_bytes"),
        "memory.buffers_bytes": .init("sms_memory_buffers_bytes"),
        "memory.used_percent": .init("sms_memory_used_percent"),
        "swap.total_bytes": .init("sms_swap_total_bytes"),
        "swap.used_bytes": .init("sms_swap_used_bytes"),
        "swap.used_percent": .init("sms_swap_used_percent"),
        "load.1m": .init("sms_load1"),
        "load.5m": .init("sms_load5"),
        "load.15m": .init("sms_load15"),
        "system.uptime_seconds": .init("sms_system_uptime_seconds"),
        "system.processes": .init("sms_system_processes"),
        "system.threads": .init("sms_system_threads"),
        "system.procs_running": .init("sms_system_procs_running"),
        "system.procs_blocked": .init("sms_system_procs_blocked"),
        "disk.total_bytes": .init("sms_disk_total_bytes"),
        "disk.used_bytes": .init("sms_disk_used_bytes"),
        "disk.free_bytes": .init("sms_disk_free_bytes"),
        "disk.used_percent": .init("sms_disk_used_percent"),
        "disk.inodes_used_percent": .init("sms_disk_inodes_used_percent"),
        "diskio.read_bytes_per_second": .init("sms_diskio_read_bytes_per_second"),
        "diskio.write_bytes_per_second": .init("sms_diskio_write_bytes_per_second"),
        "diskio.reads_per_second": .init("sms_diskio_reads_per_second"),
        "diskio.writes_per_second": .init("sms_diskio_writes_per_second"),
        "diskio.busy_percent": .init("sms_diskio_busy_percent"),
        "net.rx_bytes_per_second": .init("sms_net_rx_bytes_per_second"),
        "net.tx_bytes_per_second": .init("sms_net_tx_bytes_per_second"),
        "net.rx_packets_per_second": .init("sms_net_rx_packets_per_second"),
        "net.tx_packets_per_second": .init("sms_net_tx_packets_per_second"),
        "net.rx_errors_per_second": .init("sms_net_rx_errors_per_second"),
        "net.tx_errors_per_second": .init("sms_net_tx_errors_per_second"),
        "net.rx_drops_per_second": .init("sms_net_rx_drops_per_second"),
        "net.tx_drops_per_second": .init("sms_net_tx_drops_per_second"),
        "temperature.celsius": .init("sms_temperature_celsius"),
        "pressure.cpu_some_percent": .init("sms_pressure_cpu_some_percent"),
        "pressure.cpu_some_avg10_percent": .init("sms_pressure_cpu_some_avg10_percent"),
        "pressure.cpu_full_percent": .init("sms_pressure_cpu_full_percent"),
        "pressure.cpu_full_avg10_percent": .init("sms_pressure_cpu_full_avg10_percent"),
        "pressure.memory_some_percent": .init("sms_pressure_memory_some_percent"),
        "pressure.memory_some_avg10_percent": .init("sms_pressure_memory_some_avg10_percent"),
        "pressure.memory_full_percent": .init("sms_pressure_memory_full_percent"),
        "pressure.memory_full_avg10_percent": .init("sms_pressure_memory_full_avg10_percent"),
        "pressure.io_some_percent": .init("sms_pressure_io_some_percent"),
        "pressure.io_some_avg10_percent": .init("sms_pressure_io_some_avg10_percent"),
        "pressure.io_full_percent": .init("sms_pressure_io_full_percent"),
        "pressure.io_full_avg10_percent": .init("sms_pressure_io_full_avg10_percent"),
        "container.cpu_percent": .init("sms_container_cpu_percent"),
        "container.cpu_throttled_percent": .init("sms_container_cpu_throttled_percent"),
        "container.memory_bytes": .init("sms_container_memory_bytes"),
        "container.memory_limit_bytes": .init("sms_container_memory_limit_bytes"),
        "container.memory_percent": .init("sms_container_memory_percent"),
        "container.oom_kills": .init("sms_container_oom_kills_total", counter: true),
        "container.blkio_read_bytes_per_second": .init("sms_container_blkio_read_bytes_per_second"),
        "container.blkio_write_bytes_per_second": .init("sms_container_blkio_write_bytes_per_second"),
        "container.pids": .init("sms_container_pids"),
        "container.net_rx_bytes_per_second": .init("sms_container_net_rx_bytes_per_second"),
        "container.net_tx_bytes_per_second": .init("sms_container_net_tx_bytes_per_second"),
        "collector.source_success": .init("sms_collector_source_success"),
        "collector.buffer_dropped_batches": .init("sms_collector_buffer_dropped_batches_total", counter: true),
    ]

    /// What custom metric names start with in Prometheus: `custom.NAME` is `sms_custom_NAME`.
    public static let prometheusCustomPrefix = "sms_custom_"

    /// The Prometheus name of a catalog metric or a `custom.NAME` (a counter when NAME ends in `_total`, as the
    /// textfile convention has it); nil for a name outside the catalog.
    public static func prometheusName(_ metric: String) -> PrometheusName? {
        if let known = prometheusNames[metric] { return known }
        guard metric.hasPrefix(customPrefix), info(metric) != nil else { return nil }
        let name = String(metric.dropFirst(customPrefix.count))
        return PrometheusName(prometheusCustomPrefix + name, counter: name.hasSuffix("_total"))
    }

    private static let byPrometheusName: [String: String] = Dictionary(
        uniqueKeysWithValues: prometheusNames.map { ($0.value.name, $0.key) })

    /// The catalog name of a Prometheus name (`sms_load1` → `load.1m`, `sms_custom_x` → `custom.x`); nil if none.
    public static func catalogName(prometheus name: String) -> String? {
        if let known = byPrometheusName[name] { return known }
        guard name.hasPrefix(prometheusCustomPrefix) else { return nil }
        let metric = customPrefix + name.dropFirst(prometheusCustomPrefix.count)
        return info(metric) != nil ? metric : nil
    }
}
