/// The groups of metrics a collector can be told to sample (`defaults.metrics`, `machines[].metrics`).
public enum MetricGroup: String, Sendable, Equatable, Codable, CaseIterable {
    case cpu, memory, load, system, disk, diskio, net, top, temperature, pressure, containers, custom
}

/// One metric the collector produces: its name, the label keys of its series, and its unit.
public struct MetricInfo: Sendable, Equatable {
    public let name: String
    public let group: MetricGroup
    public let labels: [String]
    public let unit: String
    public let help: String
    /// True for your own metrics (`custom.NAME`): their labels are whatever the textfile says.
    public var anyLabels = false
}

/// The fixed set of metric names and label keys sms collects; alert rules and edges are checked against it.
public enum MetricCatalog {
    public static let all: [MetricInfo] = [
        .init(name: "cpu.usage_percent", group: .cpu, labels: [], unit: "percent", help: "busy share of all cores"),
        .init(name: "cpu.mode_percent", group: .cpu, labels: ["mode"], unit: "percent", help: "share of all cores per mode (user, nice, system, idle, iowait, irq, softirq, steal)"),
        .init(name: "cpu.core_usage_percent", group: .cpu, labels: ["core"], unit: "percent", help: "busy share of one core"),
        .init(name: "cpu.core_mode_percent", group: .cpu, labels: ["core", "mode"], unit: "percent", help: "share of one core per mode"),
        .init(name: "cpu.count", group: .cpu, labels: [], unit: "cores", help: "online cores"),
        .init(name: "memory.total_bytes", group: .memory, labels: [], unit: "bytes", help: "physical memory"),
        .init(name: "memory.used_bytes", group: .memory, labels: [], unit: "bytes", help: "total minus available"),
        .init(name: "memory.available_bytes", group: .memory, labels: [], unit: "bytes", help: "MemAvailable"),
        .init(name: "memory.cached_bytes", group: .memory, labels: [], unit: "bytes", help: "page cache"),
        .init(name: "memory.buffers_bytes", group: .memory, labels: [], unit: "bytes", help: "buffers"),
        .init(name: "memory.used_percent", group: .memory, labels: [], unit: "percent", help: "used share of total"),
        .init(name: "swap.total_bytes", group: .memory, labels: [], unit: "bytes", help: "swap size"),
        .init(name: "swap.used_bytes", group: .memory, labels: [], unit: "bytes", help: "swap in use"),
        .init(name: "swap.used_percent", group: .memory, labels: [], unit: "percent", help: "used share of swap"),
        .init(name: "load.1m", group: .load, labels: [], unit: "", help: "load average over 1 minute"),
        .init(name: "load.5m", group: .load, labels: [], unit: "", help: "load average over 5 minutes"),
        .init(name: "load.15m", group: .load, labels: [], unit: "", help: "load average over 15 minutes"),
        .init(name: "system.uptime_seconds", group: .system, labels: [], unit: "seconds", help: "time since boot"),
        .init(name: "system.processes", group: .system, labels: [], unit: "", help: "processes"),
        .init(name: "system.threads", group: .system, labels: [], unit: "", help: "threads"),
        .init(name: "system.procs_running", group: .system, labels: [], unit: "", help: "runnable tasks"),
        .init(name: "system.procs_blocked", group: .system, labels: [], unit: "", help: "tasks blocked on I/O"),
        .init(name: "disk.total_bytes", group: .disk, labels: ["mount"], unit: "bytes", help: "filesystem size"),
        .init(name: "disk.used_bytes", group: .disk, labels: ["mount"], unit: "bytes", help: "filesystem space used"),
        .init(name: "disk.free_bytes", group: .disk, labels: ["mount"], unit: "bytes", help: "space available to users"),
        .init(name: "disk.used_percent", group: .disk, labels: ["mount"], unit: "percent", help: "used share of the filesystem"),
        .init(name: "disk.inodes_used_percent", group: .disk, labels: ["mount"], unit: "percent", help: "used share of inodes"),
        .init(name: "diskio.read_bytes_per_second", group: .diskio, labels: ["device"], unit: "bytes/s", help: "bytes read"),
        .init(name: "diskio.write_bytes_per_second", group: .diskio, labels: ["device"], unit: "bytes/s", help: "bytes written"),
        .init(name: "diskio.reads_per_second", group: .diskio, labels: ["device"], unit: "ops/s", help: "reads completed"),
        .init(name: "diskio.writes_per_second", group: .diskio, labels: ["device"], unit: "ops/s", help: "writes completed"),
        .init(name: "diskio.busy_percent", group: .diskio, labels: ["device"], unit: "percent", help: "time the device was busy"),
        .init(name: "net.rx_bytes_per_second", group: .net, labels: ["interface"], unit: "bytes/s", help: "bytes received"),
        .init(name: "net.tx_bytes_per_second", group: .net, labels: ["interface"], unit: "bytes/s", help: "bytes sent"),
        .init(name: "net.rx_packets_per_second", group: .net, labels: ["interface"], unit: "packets/s", help: "packets received"),
        .init(name: "net.tx_packets_per_second", group: .net, labels: ["interface"], unit: "packets/s", help: "packets sent"),
        .init(name: "net.rx_errors_per_second", group: .net, labels: ["interface"], unit: "errors/s", help: "receive errors"),
        .init(name: "net.tx_errors_per_second", group: .net, labels: ["interface"], unit: "errors/s", help: "transmit errors"),
        .init(name: "net.rx_drops_per_second", group: .net, labels: ["interface"], unit: "packets/s", help: "received packets dropped"),
        .init(name: "net.tx_drops_per_second", group: .net, labels: ["interface"], unit: "packets/s", help: "sent packets dropped"),
        .init(name: "temperature.celsius", group: .temperature, labels: ["sensor"], unit: "celsius", help: "sensor temperature"),
        .init(name: "pressure.cpu_some_percent", group: .pressure, labels: [], unit: "percent", help: "share of the last interval in which at least one task stalled: runnable tasks waited for a CPU (PSI, from the total counter)"),
        .init(name: "pressure.cpu_some_avg10_percent", group: .pressure, labels: [], unit: "percent", help: "the kernel's 10-second average of the same (PSI avg10)"),
        .init(name: "pressure.cpu_full_percent", group: .pressure, labels: [], unit: "percent", help: "share of the last interval in which all non-idle tasks stalled: runnable tasks waited for a CPU (PSI, from the total counter)"),
        .init(name: "pressure.cpu_full_avg10_percent", group: .pressure, labels: [], unit: "percent", help: "the kernel's 10-second average of the same (PSI avg10)"),
        .init(name: "pressure.memory_some_percent", group: .pressure, labels: [], unit: "percent", help: "share of the last interval in which at least one task stalled: tasks waited for memory (reclaim, swap-in, thrashing) (PSI, from the total counter)"),
        .init(name: "pressure.memory_some_avg10_percent", group: .pressure, labels: [], unit: "percent", help: "the kernel's 10-second average of the same (PSI avg10)"),
        .init(name: "pressure.memory_full_percent", group: .pressure, labels: [], unit: "percent", help: "share of the last interval in which all non-idle tasks stalled: tasks waited for memory (reclaim, swap-in, thrashing) (PSI, from the total counter)"),
        .init(name: "pressure.memory_full_avg10_percent", group: .pressure, labels: [], unit: "percent", help: "the kernel's 10-second average of the same (PSI avg10)"),
        .init(name: "pressure.io_some_percent", group: .pressure, labels: [], unit: "percent", help: "share of the last interval in which at least one task stalled: tasks waited for I/O (PSI, from the total counter)"),
        .init(name: "pressure.io_some_avg10_percent", group: .pressure, labels: [], unit: "percent", help: "the kernel's 10-second average of the same (PSI avg10)"),
        .init(name: "pressure.io_full_percent", group: .pressure, labels: [], unit: "percent", help: "share of the last interval in which all non-idle tasks stalled: tasks waited for I/O (PSI, from the total counter)"),
        .init(name: "pressure.io_full_avg10_percent", group: .pressure, labels: [], unit: "percent", help: "the kernel's 10-second average of the same (PSI avg10)"),
        .init(name: "container.cpu_percent", group: .containers, labels: ["container", "service"], unit: "percent of a core", help: "CPU use in percent of one core (200: two cores busy), as top shows a process"),
        .init(name: "container.cpu_throttled_percent", group: .containers, labels: ["container", "service"], unit: "percent", help: "share of the interval's CPU periods in which the CPU limit held the container back (CFS throttling); 0 without a limit"),
        .init(name: "container.memory_bytes", group: .containers, labels: ["container", "service"], unit: "bytes", help: "memory in use, without inactive page cache the kernel can drop (what docker stats shows)"),
        .init(name: "container.memory_limit_bytes", group: .containers, labels: ["container", "service"], unit: "bytes", help: "the memory limit, or the machine's memory when there is none"),
        .init(name: "container.memory_percent", group: .containers, labels: ["container", "service"], unit: "percent", help: "memory in use as a share of the limit"),
        .init(name: "container.oom_kills", group: .containers, labels: ["container", "service"], unit: "kills", help: "processes the kernel's OOM killer ended in the cgroup, since it was made"),
        .init(name: "container.blkio_read_bytes_per_second", group: .containers, labels: ["container", "service"], unit: "bytes/s", help: "bytes read from block devices"),
        .init(name: "container.blkio_write_bytes_per_second", group: .containers, labels: ["container", "service"], unit: "bytes/s", help: "bytes written to block devices"),
        .init(name: "container.pids", group: .containers, labels: ["container", "service"], unit: "", help: "processes and threads"),
        .init(name: "container.net_rx_bytes_per_second", group: .containers, labels: ["container", "service"], unit: "bytes/s", help: "bytes received on the container's own network namespace (all interfaces but lo); none when it shares the machine's"),
        .init(name: "container.net_tx_bytes_per_second", group: .containers, labels: ["container", "service"], unit: "bytes/s", help: "bytes sent on the container's own network namespace (all interfaces but lo); none when it shares the machine's"),
        .init(name: "collector.source_success", group: .system, labels: ["source"], unit: "", help: "1 when the source was read, 0 when it failed"),
        .init(name: "collector.buffer_dropped_batches", group: .system, labels: [], unit: "batches", help: "batches the collector's buffer lost for good (overflow, or a full disk beyond its memory cap), since the buffer was made"),
    ]

    private static let byName: [String: MetricInfo] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The catalog's entry for `name`; for `custom.NAME` (a metric of a machine's `textfile_dir`, NAME in
    /// Prometheus' form), an entry of the `custom` group with any labels.
    public static func info(_ name: String) -> MetricInfo? {
        if let known = byName[name] { return known }
        guard name.hasPrefix(customPrefix), isPrometheusName(name.dropFirst(customPrefix.count)) else { return nil }
        return MetricInfo(
            name: name, group: .custom, labels: [], unit: "", help: "your own metric, from a textfile", anyLabels: true)
    }

    /// What names of your own metrics start with: `custom.` then the name in the textfile.
    public static let customPrefix = "custom."

    /// A Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`, at most 200 characters.
    public static func isPrometheusName(_ name: some StringProtocol) -> Bool {
        isName(name.utf8, extra: UInt8(ascii: ":"))
    }

    /// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`, at most 200 characters.
    public static func isPrometheusLabelName(_ name: some StringProtocol) -> Bool {
        isName(name.utf8, extra: UInt8(ascii: "_"))
    }

    private static func isName(_ bytes: some Collection<UInt8>, extra: UInt8) -> Bool {
        guard let first = bytes.first, bytes.count <= 200 else { return false }
        func letter(_ c: UInt8) -> Bool { (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") || c == UInt8(ascii: "_") || c == extra }
        return letter(first) && bytes.allSatisfy { letter($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
    }
    public static func metrics(in group: MetricGroup) -> [MetricInfo] { all.filter { $0.group == group } }
    /// Names of every metric, for "did you mean" suggestions.
    public static var names: [String] { all.map(\.name) }
}
