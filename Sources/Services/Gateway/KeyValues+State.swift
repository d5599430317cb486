import Spec

extension FleetView {
    /// Picks a fleet card's figures out of a machine's latest values (keyed by canonical series text).
    static func keyValues(_ values: [String: Double]) -> KeyValues {
        var kv = KeyValues()
        kv.cpu = values["cpu.usage_percent"]
        kv.cores = values["cpu.count"]
        kv.memory = values["memory.used_percent"]
        kv.memoryUsedBytes = values["memory.used_bytes"]
        kv.memoryTotalBytes = values["memory.total_bytes"]
        kv.load1 = values["load.1m"]
        kv.load5 = values["load.5m"]
        kv.load15 = values["load.15m"]
        kv.uptimeSeconds = values["system.uptime_seconds"]
        for (text, value) in values where text.contains("{") {
            guard let key = SeriesKey(canonical: text) else { continue }
            switch key.metric {
            case "disk.used_percent":
                if value > (kv.disk ?? -1) {
                    kv.disk = value
                    kv.diskMount = key.labels["mount"]
                }
            case "diskio.read_bytes_per_second": kv.diskReadBytes = (kv.diskReadBytes ?? 0) + value
            case "diskio.write_bytes_per_second": kv.diskWriteBytes = (kv.diskWriteBytes ?? 0) + value
            case "net.rx_bytes_per_second" where !isLoopback(key): kv.netRxBytes = (kv.netRxBytes ?? 0) + value
            case "net.tx_bytes_per_second" where !isLoopback(key): kv.netTxBytes = (kv.netTxBytes ?? 0) + value
            default: break
            }
        }
        return kv
    }

    /// Loopback traffic is the machine talking to itself: not network load anyone cares about.
    private static func isLoopback(_ key: SeriesKey) -> Bool {
        key.labels["interface"] == "lo"
    }
}
