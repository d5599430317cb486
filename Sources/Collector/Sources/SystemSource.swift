import SMSCore
import Spec

/// The task counts of /proc/stat: `procs_running` and `procs_blocked`.
struct TaskCounts: Sendable, Equatable {
    var running: UInt64
    var blocked: UInt64

    /// Parses the `procs_running` and `procs_blocked` lines of /proc/stat; nil when either is missing.
    static func parse(_ bytes: ArraySlice<UInt8>) -> TaskCounts? {
        var running: UInt64?
        var blocked: UInt64?
        var scanner = ProcScanner(bytes)
        while !scanner.isAtEnd, running == nil || blocked == nil {
            defer { scanner.nextLine() }
            guard let key = scanner.token() else { continue }
            if key.equals("procs_running") {
                running = scanner.uint64()
            } else if key.equals("procs_blocked") {
                blocked = scanner.uint64()
            }
        }
        guard let running, let blocked else { return nil }
        return TaskCounts(running: running, blocked: blocked)
    }
}

/// system group: uptime, process and thread counts, and runnable and blocked tasks.
///
/// Threads come from the total of /proc/loadavg's `running/total` field, the kernel's count of scheduling
/// entities (every thread, kernel threads included): one small read, where summing `num_threads` over every
/// /proc/[pid]/stat would cost a file per process. Processes are the numeric entries of /proc, kernel threads
/// included (as `ps -e` counts them), from the `ProcessCensus`: listed at most every 3 s, by the top source when it
/// is collected too.
struct SystemSource: MetricSource {
    private static let uptimeKey = SeriesKey("system.uptime_seconds")
    private static let processesKey = SeriesKey("system.processes")
    private static let threadsKey = SeriesKey("system.threads")
    private static let runningKey = SeriesKey("system.procs_running")
    private static let blockedKey = SeriesKey("system.procs_blocked")

    let name = "system"
    let group = MetricGroup.system
    /// Read procs_running/blocked from /proc/stat; off when the cpu source already reports them from its read.
    let readsTaskCounts: Bool
    let census: ProcessCensus
    private var file = ProcFile(capacity: 256)
    private var statFile: ProcFile

    init(readsTaskCounts: Bool = true, census: ProcessCensus = ProcessCensus()) {
        self.readsTaskCounts = readsTaskCounts
        self.census = census
        statFile = ProcFile(capacity: readsTaskCounts ? 8192 : 64)
    }

    mutating func collect(into snapshot: inout Snapshot, context: SourceContext) throws {
        let uptimePath = context.proc("uptime")
        guard let uptime = Self.parseUptime(try file.read(uptimePath)) else {
            throw MetricSourceError.malformed(uptimePath, "expected seconds since boot")
        }
        let load = try LoadAverage.read(&file, context: context)
        let processes = try census.processes(context)
        snapshot.samples.append(Sample(Self.uptimeKey, uptime))
        snapshot.samples.append(Sample(Self.processesKey, Double(processes)))
        snapshot.samples.append(Sample(Self.threadsKey, Double(load.threads)))
        guard readsTaskCounts else { return }
        let statPath = context.proc("stat")
        guard let tasks = TaskCounts.parse(try statFile.read(statPath)) else {
            throw MetricSourceError.malformed(statPath, "no procs_running or procs_blocked line")
        }
        snapshot.samples.append(Sample(Self.runningKey, Double(tasks.running)))
        snapshot.samples.append(Sample(Self.blockedKey, Double(tasks.blocked)))
    }

    /// The first field of /proc/uptime (`287.30 255.29`): seconds since boot.
    static func parseUptime(_ bytes: ArraySlice<UInt8>) -> Double? {
        var scanner = ProcScanner(bytes)
        return scanner.token().flatMap(ProcScanner.double)
    }
}
