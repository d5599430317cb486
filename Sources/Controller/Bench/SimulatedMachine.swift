import Services
import SMSCore

/// Realistic-looking samples for one simulated collector: percentages that random-walk, byte counters and rates
/// that drift, and constants, under the catalog's metric names, so the hub and the dashboard treat them as real.
public struct SimulatedMachine: Sendable {
    /// How one series moves from tick to tick.
    enum Shape: Sendable {
        case constant(Double)
        /// A random walk clamped to `range`, each step at most `step`, rounded to `quantum`.
        case walk(range: ClosedRange<Double>, step: Double, quantum: Double)
        /// A value that grows by `perTick` every tick (uptime).
        case counter(perTick: Double)
    }

    public let series: [SeriesKey]
    private let shapes: [Shape]
    private var values: [Double]
    private var rng: SplitMix64

    /// `metrics` series for machine number `index`; the same index always gives the same start values.
    public init(index: Int, metrics: Int) {
        var rng = SplitMix64(seed: UInt64(index) &* 0x9E37_79B9 &+ 17)
        let table = Self.table(count: metrics)
        series = table.map(\.0)
        shapes = table.map(\.1)
        values = shapes.map { shape in
            switch shape {
            case .constant(let v): v
            case .walk(let range, _, let q): Self.round(range.lowerBound + rng.unit() * (range.upperBound - range.lowerBound) * 0.5, q)
            case .counter: 1000 + (rng.unit() * 86_400).rounded()
            }
        }
        self.rng = rng
    }

    /// The next tick's samples.
    public mutating func tick() -> [Sample] {
        var out: [Sample] = []
        out.reserveCapacity(series.count)
        for i in series.indices {
            switch shapes[i] {
            case .constant: break
            case .walk(let range, let step, let q):
                let next = values[i] + (rng.unit() * 2 - 1) * step
                values[i] = Self.round(min(range.upperBound, max(range.lowerBound, next)), q)
            case .counter(let perTick): values[i] += perTick
            }
            out.append(Sample(series[i], values[i]))
        }
        return out
    }

    private static func round(_ v: Double, _ quantum: Double) -> Double { (v / quantum).rounded() * quantum }

    /// The first `count` series of a typical small server (8 cores, one disk, one NIC plus loopback); beyond 40,
    /// more per-core mode series.
    static func table(count: Int) -> [(SeriesKey, Shape)] {
        let pct = { (step: Double) in Shape.walk(range: 0...100, step: step, quantum: 0.01) }
        var t: [(SeriesKey, Shape)] = [
            (SeriesKey("cpu.usage_percent"), pct(6)),
            (SeriesKey("cpu.count"), .constant(8)),
            (SeriesKey("memory.total_bytes"), .constant(16 * 1_073_741_824)),
            (SeriesKey("memory.used_bytes"), .walk(range: 1e9...15e9, step: 4e7, quantum: 4096)),
            (SeriesKey("memory.used_percent"), pct(0.5)),
            (SeriesKey("memory.available_bytes"), .walk(range: 1e9...15e9, step: 4e7, quantum: 4096)),
            (SeriesKey("memory.cached_bytes"), .walk(range: 5e8...8e9, step: 1e7, quantum: 4096)),
            (SeriesKey("load.1m"), .walk(range: 0...16, step: 0.3, quantum: 0.01)),
            (SeriesKey("load.5m"), .walk(range: 0...16, step: 0.1, quantum: 0.01)),
            (SeriesKey("load.15m"), .walk(range: 0...16, step: 0.05, quantum: 0.01)),
            (SeriesKey("system.uptime_seconds"), .counter(perTick: 1)),
            (SeriesKey("system.processes"), .walk(range: 100...600, step: 2, quantum: 1)),
            (SeriesKey("system.threads"), .walk(range: 300...3000, step: 8, quantum: 1)),
            (SeriesKey("system.procs_running"), .walk(range: 1...12, step: 1, quantum: 1)),
            (SeriesKey("disk.total_bytes", ["mount": "/"]), .constant(512 * 1_073_741_824)),
            (SeriesKey("disk.used_bytes", ["mount": "/"]), .walk(range: 1e10...5e11, step: 1e6, quantum: 4096)),
            (SeriesKey("disk.used_percent", ["mount": "/"]), pct(0.01)),
            (SeriesKey("diskio.read_bytes_per_second", ["device": "sda"]), .walk(range: 0...2e8, step: 2e6, quantum: 512)),
            (SeriesKey("diskio.write_bytes_per_second", ["device": "sda"]), .walk(range: 0...2e8, step: 2e6, quantum: 512)),
            (SeriesKey("diskio.busy_percent", ["device": "sda"]), pct(3)),
            (SeriesKey("net.rx_bytes_per_second", ["interface": "eth0"]), .walk(range: 0...1.25e8, step: 5e5, quantum: 1)),
            (SeriesKey("net.tx_bytes_per_second", ["interface": "eth0"]), .walk(range: 0...1.25e8, step: 5e5, quantum: 1)),
            (SeriesKey("net.rx_packets_per_second", ["interface": "eth0"]), .walk(range: 0...1e5, step: 300, quantum: 1)),
            (SeriesKey("net.tx_packets_per_second", ["interface": "eth0"]), .walk(range: 0...1e5, step: 300, quantum: 1)),
            (SeriesKey("net.rx_bytes_per_second", ["interface": "lo"]), .walk(range: 0...1e7, step: 1e4, quantum: 1)),
            (SeriesKey("net.tx_bytes_per_second", ["interface": "lo"]), .walk(range: 0...1e7, step: 1e4, quantum: 1)),
            (SeriesKey("net.rx_errors_per_second", ["interface": "eth0"]), .constant(0)),
            (SeriesKey("net.tx_errors_per_second", ["interface": "eth0"]), .constant(0)),
            (SeriesKey("collector.source_success", ["source": "stat"]), .constant(1)),
            (SeriesKey("collector.source_success", ["source": "meminfo"]), .constant(1)),
        ]
        for mode in ["user", "system", "idle", "iowait"] where t.count < max(count, 40) {
            t.append((SeriesKey("cpu.mode_percent", ["mode": mode]), pct(3)))
        }
        var core = 0
        while t.count < max(count, 40) && core < 6 {
            t.append((SeriesKey("cpu.core_usage_percent", ["core": "\(core)"]), pct(8)))
            core += 1
        }
        var extra = 0
        while t.count < count {
            let mode = ["user", "system", "idle", "iowait", "irq", "softirq", "steal", "nice"][extra % 8]
            t.append((SeriesKey("cpu.core_mode_percent", ["core": "\(extra / 8)", "mode": mode]), pct(3)))
            extra += 1
        }
        return Array(t.prefix(count))
    }
}

/// A small, fast, seedable generator (SplitMix64): the load generator must not spend its CPU on randomness, and
/// tests seed it so failures reproduce.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
