import SMSCore
import Spec

/// The cpu lines and task counts of /proc/stat: jiffies per mode, for all cores together and for each core.
struct CPUStat: Sendable, Equatable {
    /// Jiffies per mode (`CPUSource.modes` order) summed over all cores.
    var total: [UInt64] = []
    /// The number of each `cpuN` line, in file order (offline cores have no line).
    var coreIDs: [Int] = []
    /// Jiffies per mode of each core, `CPUSource.modes.count` values per entry of `coreIDs`.
    var coreTimes: [UInt64] = []
    var procsRunning: UInt64?
    var procsBlocked: UInt64?

    /// The mode jiffies of the core at `index` in `coreIDs`.
    func core(_ index: Int) -> ArraySlice<UInt64> {
        let width = CPUSource.modes.count
        return coreTimes[(index * width)..<((index + 1) * width)]
    }

    /// Parses /proc/stat into `stat`, reusing its storage; false when there is no aggregate `cpu` line.
    /// Modes a kernel does not print (old kernels stop after idle or iowait) count as 0; guest time is already
    /// included in user and nice, so the guest columns are ignored.
    static func parse(_ bytes: ArraySlice<UInt8>, into stat: inout CPUStat) -> Bool {
        stat.total.removeAll(keepingCapacity: true)
        stat.coreIDs.removeAll(keepingCapacity: true)
        stat.coreTimes.removeAll(keepingCapacity: true)
        stat.procsRunning = nil
        stat.procsBlocked = nil
        var scanner = ProcScanner(bytes)
        while !scanner.isAtEnd {
            defer { scanner.nextLine() }
            guard let name = scanner.token() else { continue }
            if name.equals("cpu") {
                appendModes(&scanner, to: &stat.total)
            } else if name.hasPrefix("cpu"), let id = ProcScanner.uint64(name.dropFirst(3)) {
                stat.coreIDs.append(Int(id))
                appendModes(&scanner, to: &stat.coreTimes)
            } else if name.equals("procs_running") {
                stat.procsRunning = scanner.uint64()
            } else if name.equals("procs_blocked") {
                stat.procsBlocked = scanner.uint64()
            }
        }
        return !stat.total.isEmpty
    }

    /// Parses /proc/stat; nil when there is no aggregate `cpu` line.
    static func parse(_ bytes: ArraySlice<UInt8>) -> CPUStat? {
        var stat = CPUStat()
        return parse(bytes, into: &stat) ? stat : nil
    }

    private static func appendModes(_ scanner: inout ProcScanner, to values: inout [UInt64]) {
        for _ in CPUSource.modes {
            values.append(scanner.uint64() ?? 0)
        }
    }

    /// Percent of the interval spent in each mode, then the busy percent (everything but idle and iowait), from
    /// two readings of one cpu line; false when no jiffies passed. A mode that went back (iowait does on some
    /// kernels) counts as 0 rather than making the other modes look larger.
    static func percentages(
        from previous: ArraySlice<UInt64>,
        to current: ArraySlice<UInt64>,
        into out: inout [Double]
    ) -> Bool {
        out.removeAll(keepingCapacity: true)
        var total: UInt64 = 0
        for (old, new) in zip(previous, current) {
            let delta = new >= old ? new - old : 0
            total += delta
            out.append(Double(delta))
        }
        guard total > 0, out.count == CPUSource.modes.count else { return false }
        let idle = out[CPUSource.idle] + out[CPUSource.iowait]
        for i in out.indices {
            out[i] = out[i] / Double(total) * 100
        }
        out.append(100 - idle / Double(total) * 100)
        return true
    }
}

/// cpu group: busy and per-mode percent of all cores and of each core, and the core count, from /proc/stat.
struct CPUSource: MetricSource {
    static let modes = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
    static let idle = 3
    static let iowait = 4
    private static let countKey = SeriesKey("cpu.count")
    private static let usageKey = SeriesKey("cpu.usage_percent")
    private static let modeKeys = modes.map { SeriesKey("cpu.mode_percent", ["mode": $0]) }
    private static let runningKey = SeriesKey("system.procs_running")
    private static let blockedKey = SeriesKey("system.procs_blocked")

    let name = "cpu"
    let group = MetricGroup.cpu
    /// Also emit the system group's procs_running and procs_blocked, which live in the same file: the registry
    /// sets this when both groups are on, so /proc/stat is read once per tick.
    let reportsTaskCounts: Bool
    private var file = ProcFile(capacity: 8192)
    private var current = CPUStat()
    private var previous = CPUStat()
    private var hasPrevious = false
    private var percents: [Double] = []
    private var coreKeyIDs: [Int] = []
    private var coreUsageKeys: [SeriesKey] = []
    private var coreModeKeys: [SeriesKey] = []

    init(reportsTaskCounts: Bool = false) {
        self.reportsTaskCounts = reportsTaskCounts
    }

    mutating func collect(into snapshot: inout Snapshot, context: SourceContext) throws {
        let path = context.proc("stat")
        guard CPUStat.parse(try file.read(path), into: &current) else {
            throw MetricSourceError.malformed(path, "no cpu line")
        }
        snapshot.samples.append(Sample(Self.countKey, Double(current.coreIDs.count)))
        if reportsTaskCounts, let running = current.procsRunning, let blocked = current.procsBlocked {
            snapshot.samples.append(Sample(Self.runningKey, Double(running)))
            snapshot.samples.append(Sample(Self.blockedKey, Double(blocked)))
        }
        if hasPrevious {
            appendPercents(to: &snapshot.samples)
        }
        swap(&previous, &current)
        hasPrevious = true
    }

    /// Appends the aggregate and per-core percentages between `previous` and `current`.
    private mutating func appendPercents(to samples: inout [Sample]) {
        let last = previous
        if CPUStat.percentages(from: last.total[...], to: current.total[...], into: &percents) {
            append(percents, usage: Self.usageKey, modes: Self.modeKeys[...], to: &samples)
        }
        if coreKeyIDs != current.coreIDs { rebuildCoreKeys() }
        let sameCores = last.coreIDs == current.coreIDs
        for (index, id) in current.coreIDs.enumerated() {
            guard let before = sameCores ? index : last.coreIDs.firstIndex(of: id),
                CPUStat.percentages(from: last.core(before), to: current.core(index), into: &percents)
            else { continue }
            let width = Self.modes.count
            let modes = coreModeKeys[(index * width)..<((index + 1) * width)]
            append(percents, usage: coreUsageKeys[index], modes: modes, to: &samples)
        }
    }

    private func append(_ values: [Double], usage: SeriesKey, modes: ArraySlice<SeriesKey>, to out: inout [Sample]) {
        out.append(Sample(usage, values[Self.modes.count]))
        for (key, value) in zip(modes, values) {
            out.append(Sample(key, value))
        }
    }

    /// Builds the series keys of each core once, not every tick.
    private mutating func rebuildCoreKeys() {
        coreKeyIDs = current.coreIDs
        coreUsageKeys = coreKeyIDs.map { SeriesKey("cpu.core_usage_percent", ["core": String($0)]) }
        coreModeKeys = coreKeyIDs.flatMap { id in
            Self.modes.map { SeriesKey("cpu.core_mode_percent", ["core": String(id), "mode": $0]) }
        }
    }
}
