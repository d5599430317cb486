@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

extension StorageTests {
    /// Snapshots shaped like a 2-core machine's collector output: 40 series computed with the collector's own
    /// formulas (jiffy shares, byte counters over measured seconds), so compression is measured on realistic bits.
    enum ProcLikeData {
        static let modes = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]

        /// `count` snapshots one second apart (with timer jitter), deterministic for a seed.
        static func snapshots(count: Int, seed: UInt64 = 1, startMs: Int64 = 1_700_000_000_000) -> [Snapshot] {
            var random = SeededGenerator(seed: seed)
            var busy = [20.0, 35.0]
            var used: Int64 = 6_000_000_000
            var load = [52, 61, 70]
            let total: Int64 = 16_000_000_000
            return (0..<count).map { index in
                let seconds = 1.0 + Double.random(in: -0.002...0.002, using: &random)
                var samples: [Sample] = []
                var sums = [Int64](repeating: 0, count: 8)
                var allJiffies: Int64 = 0
                for core in 0..<2 {
                    busy[core] = min(90, max(2, busy[core] + Double.random(in: -3...3, using: &random)))
                    let jiffies = Int64.random(in: 99...101, using: &random)
                    var modeJiffies = [Int64](repeating: 0, count: 8)
                    let busyJiffies = Int64(busy[core] * Double(jiffies) / 100)
                    modeJiffies[0] = busyJiffies * 2 / 3
                    modeJiffies[2] = busyJiffies - modeJiffies[0] - (index % 7 == 0 ? 1 : 0)
                    modeJiffies[6] = index % 7 == 0 ? 1 : 0
                    modeJiffies[4] = index % 13 == 0 ? 2 : 0
                    modeJiffies[3] = jiffies - modeJiffies.reduce(0, +)
                    for mode in 0..<8 {
                        samples.append(
                            Sample(
                                "cpu.core_mode_percent", ["core": "\(core)", "mode": modes[mode]],
                                Double(modeJiffies[mode]) / Double(jiffies) * 100))
                        sums[mode] += modeJiffies[mode]
                    }
                    samples.append(
                        Sample(
                            "cpu.core_usage_percent", ["core": "\(core)"],
                            100 - Double(modeJiffies[3] + modeJiffies[4]) / Double(jiffies) * 100))
                    allJiffies += jiffies
                }
                for mode in 0..<8 {
                    samples.append(
                        Sample("cpu.mode_percent", ["mode": modes[mode]], Double(sums[mode]) / Double(allJiffies) * 100)
                    )
                }
                samples.append(
                    Sample("cpu.usage_percent", [:], 100 - Double(sums[3] + sums[4]) / Double(allJiffies) * 100))
                samples.append(Sample("cpu.count", [:], 2))
                used += Int64.random(in: -40...40, using: &random) * 4096
                samples.append(Sample("memory.total_bytes", [:], Double(total)))
                samples.append(Sample("memory.used_bytes", [:], Double(used)))
                samples.append(Sample("memory.available_bytes", [:], Double(total - used)))
                samples.append(Sample("memory.used_percent", [:], Double(used) / Double(total) * 100))
                for (slot, name) in ["load.1m", "load.5m", "load.15m"].enumerated() {
                    if index % (5 * (slot + 1)) == 0 {
                        load[slot] = max(0, load[slot] + Int.random(in: -4...4, using: &random))
                    }
                    samples.append(Sample(name, [:], Double(load[slot]) / 100))
                }
                let rx = Int64.random(in: 200...90_000, using: &random)
                samples.append(Sample("net.rx_bytes_per_second", ["interface": "eth0"], Double(rx) / seconds))
                samples.append(Sample("net.tx_bytes_per_second", ["interface": "eth0"], Double(rx / 9) / seconds))
                let writes = index % 5 == 0 ? Int64.random(in: 1...30, using: &random) : 0
                samples.append(Sample("diskio.writes_per_second", ["device": "sda"], Double(writes) / seconds))
                samples.append(
                    Sample("diskio.write_bytes_per_second", ["device": "sda"], Double(writes * 8 * 512) / seconds))
                samples.append(
                    Sample(
                        "system.uptime_seconds", [:], Double(1_234_567 + index * 100 + Int(seconds * 1000) % 3) / 100))
                let jitter = Int64.random(in: -3...3, using: &random)
                return Snapshot(timestampMs: startMs + Int64(index) * 1000 + jitter, samples: samples)
            }
        }
    }
}
