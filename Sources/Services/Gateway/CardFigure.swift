import SMSCore

/// One figure of a fleet card: the catalog metric it comes from, where it lives in `KeyValues` (which is also its
/// JSON key), and how a machine's series of that metric combine into it. This table is the only place a card
/// figure is named: the state mapping, the hand-written JSON and the edge's redaction all read it.
struct CardFigure: Sendable {
    /// How several series of one metric (disks, interfaces) become one figure.
    enum Combine: Sendable {
        /// The one series' value.
        case value
        /// Added up over every series (every disk, every interface).
        case sum
        /// Added up over every interface but loopback: the machine talking to itself is not network load.
        case sumExceptLoopback
        /// The largest, with the `mount` label of the series it came from (the fullest filesystem).
        case fullest
        /// The largest, with the `container` (or `service`) label of its series (the busiest container).
        case busiest
    }

    let metric: String
    let field: String
    let value: WritableKeyPath<KeyValues, Double?> & Sendable
    let combine: Combine

    static let all: [CardFigure] = [
        .init(metric: "cpu.usage_percent", field: "cpu", value: \.cpu, combine: .value),
        .init(metric: "cpu.count", field: "cores", value: \.cores, combine: .value),
        .init(metric: "memory.used_percent", field: "memory", value: \.memory, combine: .value),
        .init(metric: "memory.used_bytes", field: "memoryUsedBytes", value: \.memoryUsedBytes, combine: .value),
        .init(metric: "memory.total_bytes", field: "memoryTotalBytes", value: \.memoryTotalBytes, combine: .value),
        .init(metric: "disk.used_percent", field: "disk", value: \.disk, combine: .fullest),
        .init(metric: "diskio.read_bytes_per_second", field: "diskReadBytes", value: \.diskReadBytes, combine: .sum),
        .init(metric: "diskio.write_bytes_per_second", field: "diskWriteBytes", value: \.diskWriteBytes, combine: .sum),
        .init(metric: "net.rx_bytes_per_second", field: "netRxBytes", value: \.netRxBytes, combine: .sumExceptLoopback),
        .init(metric: "net.tx_bytes_per_second", field: "netTxBytes", value: \.netTxBytes, combine: .sumExceptLoopback),
        .init(metric: "load.1m", field: "load1", value: \.load1, combine: .value),
        .init(metric: "load.5m", field: "load5", value: \.load5, combine: .value),
        .init(metric: "load.15m", field: "load15", value: \.load15, combine: .value),
        .init(metric: "system.uptime_seconds", field: "uptimeSeconds", value: \.uptimeSeconds, combine: .value),
        .init(metric: "container.cpu_percent", field: "topContainerCpu", value: \.topContainerCpu, combine: .busiest),
    ]

    /// The position in `all` of the figure a metric feeds, if any.
    static let indexByMetric: [String: Int] = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($1.metric, $0) })

    /// Folds one series' value into `values`.
    func take(_ key: SeriesKey, _ sample: Double, into values: inout KeyValues) {
        switch combine {
        case .value:
            values[keyPath: value] = sample
        case .sum:
            values[keyPath: value] = (values[keyPath: value] ?? 0) + sample
        case .sumExceptLoopback:
            guard key.labels["interface"] != "lo" else { return }
            values[keyPath: value] = (values[keyPath: value] ?? 0) + sample
        case .fullest:
            guard sample > (values[keyPath: value] ?? -1) else { return }
            values[keyPath: value] = sample
            values.diskMount = key.labels["mount"]
        case .busiest:
            guard sample > (values[keyPath: value] ?? -1) else { return }
            values[keyPath: value] = sample
            values.topContainer = key.labels["container"] ?? key.labels["service"]
        }
    }

    /// True when series of this metric carry labels that matter to the figure (so labelled text is worth parsing).
    var readsLabels: Bool { combine != .value }
}
