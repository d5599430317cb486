import SMSCore
import Spec

/// The fields of /proc/meminfo that sms reports, in bytes.
struct MemInfo: Sendable, Equatable {
    var total: UInt64 = 0
    var free: UInt64 = 0
    var available: UInt64?
    var buffers: UInt64 = 0
    var cached: UInt64 = 0
    var swapTotal: UInt64 = 0
    var swapFree: UInt64 = 0

    /// Parses /proc/meminfo (`Key:   value kB` lines); nil without a MemTotal line. Fields other than MemTotal
    /// that are missing count as 0, except MemAvailable (absent before Linux 3.14), which stays nil.
    static func parse(_ bytes: ArraySlice<UInt8>) -> MemInfo? {
        var info = MemInfo()
        var sawTotal = false
        var scanner = ProcScanner(bytes)
        while !scanner.isAtEnd {
            defer { scanner.nextLine() }
            guard let key = scanner.token(), let number = scanner.uint64() else { continue }
            let unit = scanner.token()
            let value = unit?.equals("kB") == true ? number &* 1024 : number
            if key.equals("MemTotal:") {
                info.total = value
                sawTotal = true
            } else if key.equals("MemFree:") {
                info.free = value
            } else if key.equals("MemAvailable:") {
                info.available = value
            } else if key.equals("Buffers:") {
                info.buffers = value
            } else if key.equals("Cached:") {
                info.cached = value
            } else if key.equals("SwapTotal:") {
                info.swapTotal = value
            } else if key.equals("SwapFree:") {
                info.swapFree = value
            }
        }
        return sawTotal ? info : nil
    }

    /// MemAvailable, or on kernels without it the usual estimate free + buffers + page cache.
    var availableOrEstimate: UInt64 {
        min(total, available ?? free &+ buffers &+ cached)
    }
}

/// memory group: physical memory and swap from /proc/meminfo; used is total minus available.
struct MemorySource: MetricSource {
    private static let totalKey = SeriesKey("memory.total_bytes")
    private static let usedKey = SeriesKey("memory.used_bytes")
    private static let availableKey = SeriesKey("memory.available_bytes")
    private static let cachedKey = SeriesKey("memory.cached_bytes")
    private static let buffersKey = SeriesKey("memory.buffers_bytes")
    private static let usedPercentKey = SeriesKey("memory.used_percent")
    private static let swapTotalKey = SeriesKey("swap.total_bytes")
    private static let swapUsedKey = SeriesKey("swap.used_bytes")
    private static let swapUsedPercentKey = SeriesKey("swap.used_percent")

    let name = "memory"
    let group = MetricGroup.memory
    private var file = ProcFile(capacity: 4096)

    mutating func collect(into snapshot: inout Snapshot, context: SourceContext) throws {
        let path = context.proc("meminfo")
        guard let info = MemInfo.parse(try file.read(path)) else {
            throw MetricSourceError.malformed(path, "no MemTotal line")
        }
        Self.append(info, to: &snapshot.samples)
    }

    /// The memory and swap samples of one reading; percentages are 0 when there is no memory or no swap.
    static func append(_ info: MemInfo, to out: inout [Sample]) {
        let available = info.availableOrEstimate
        let used = info.total - available
        let swapFree = min(info.swapFree, info.swapTotal)
        let swapUsed = info.swapTotal - swapFree
        out.append(Sample(totalKey, Double(info.total)))
        out.append(Sample(usedKey, Double(used)))
        out.append(Sample(availableKey, Double(available)))
        out.append(Sample(cachedKey, Double(info.cached)))
        out.append(Sample(buffersKey, Double(info.buffers)))
        out.append(Sample(usedPercentKey, percent(used, of: info.total)))
        out.append(Sample(swapTotalKey, Double(info.swapTotal)))
        out.append(Sample(swapUsedKey, Double(swapUsed)))
        out.append(Sample(swapUsedPercentKey, percent(swapUsed, of: info.swapTotal)))
    }

    /// `part` as a percentage of `whole`, 0 when `whole` is 0.
    private static func percent(_ part: UInt64, of whole: UInt64) -> Double {
        whole == 0 ? 0 : Derived.rounded(Double(part) / Double(whole) * 100)
    }
}
