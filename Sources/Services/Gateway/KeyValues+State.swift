import Spec

extension KeyValues {
    /// Takes one series' value when it is a fleet-card figure; other series are ignored.
    mutating func take(_ key: SeriesKey, _ value: Double) {
        switch key.metric {
        case "cpu.usage_percent": cpu = value
        case "cpu.count": cores = value
        case "memory.used_percent": memory = value
        case "memory.used_bytes": memoryUsedBytes = value
        case "memory.total_bytes": memoryTotalBytes = value
        case "load.1m": load1 = value
        case "load.5m": load5 = value
        case "load.15m": load15 = value
        case "system.uptime_seconds": uptimeSeconds = value
        case "disk.used_percent":
            if value > (disk ?? -1) {
                disk = value
                diskMount = key.labels["mount"]
            }
        case "diskio.read_bytes_per_second": diskReadBytes = (diskReadBytes ?? 0) + value
        case "diskio.write_bytes_per_second": diskWriteBytes = (diskWriteBytes ?? 0) + value
        // Loopback traffic is the machine talking to itself: not network load anyone cares about.
        case "net.rx_bytes_per_second" where key.labels["interface"] != "lo": netRxBytes = (netRxBytes ?? 0) + value
        case "net.tx_bytes_per_second" where key.labels["interface"] != "lo": netTxBytes = (netTxBytes ?? 0) + value
        default: break
        }
    }

    /// True when a series of this metric can be a card figure (so labelled text is worth parsing).
    static func wants(labelledMetric metric: Substring) -> Bool {
        switch metric {
        case "disk.used_percent", "diskio.read_bytes_per_second", "diskio.write_bytes_per_second",
            "net.rx_bytes_per_second", "net.tx_bytes_per_second":
            true
        default: false
        }
    }
}

extension FleetView {
    /// Picks a fleet card's figures out of a machine's latest values (keyed by canonical series text).
    static func keyValues(_ values: [String: Double]) -> KeyValues {
        var kv = KeyValues()
        for (text, value) in values {
            if let brace = text.utf8.firstIndex(of: UInt8(ascii: "{")) {
                guard KeyValues.wants(labelledMetric: text[..<brace]), let key = SeriesKey(canonical: text) else { continue }
                kv.take(key, value)
            } else {
                kv.take(SeriesKey(text), value)
            }
        }
        return kv
    }

    /// The card figures of one batch.
    static func keyValues(_ samples: [Sample]) -> KeyValues {
        var kv = KeyValues()
        for sample in samples { kv.take(sample.series, sample.value) }
        return kv
    }
}
