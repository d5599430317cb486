import SMSCore
import Spec

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The fields of one /proc/[pid]/stat line that the top list needs.
struct ProcessStat: Sendable, Equatable {
    var pid: Int32
    /// The command name (`comm`, at most 15 bytes, so the string is stored inline without allocating).
    var name: String
    /// User plus system time, in clock ticks.
    var ticks: UInt64
    /// Start time after boot, in clock ticks: with the pid, it tells a process from a later one reusing its pid.
    var startTime: UInt64
    var rssPages: UInt64
    /// How many threads the process has (`num_threads`).
    var threads: UInt32 = 1

    /// Parses a /proc/[pid]/stat line; the name sits in parentheses and may itself hold spaces and `)`, so the
    /// numeric fields are counted from the last `)`. Nil when a field is missing.
    static func parse(_ bytes: ArraySlice<UInt8>) -> ProcessStat? {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
            let close = bytes.lastIndex(of: UInt8(ascii: ")")), open < close
        else { return nil }
        var head = ProcScanner(bytes[..<open])
        var fields = ProcScanner(bytes[(close + 1)...])
        // After the name: state (3) … utime (14) stime (15) … num_threads (20) … starttime (22) vsize (23) rss (24).
        guard let pidField = head.token(), let pid = ProcScanner.int64(pidField), let pid32 = Int32(exactly: pid),
            fields.skipTokens(11), let utime = fields.uint64(), let stime = fields.uint64(),
            fields.skipTokens(4), let threads = fields.uint64(), fields.skipTokens(1), let startTime = fields.uint64(),
            fields.skipTokens(1),
            let rss = fields.token().flatMap(ProcScanner.int64)
        else { return nil }
        return ProcessStat(
            pid: pid32, name: bytes[(open + 1)..<close].utf8String, ticks: utime &+ stime, startTime: startTime,
            rssPages: UInt64(max(rss, 0)), threads: UInt32(clamping: threads))
    }
}

/// top: the busiest processes, the ten using the most CPU and the ten using the most memory (a union, CPU first).
///
/// Per single-threaded process, /proc/[pid]/schedstat is read first (its run time); only a process that ran since the
/// last walk has its /proc/[pid]/stat read (utime, stime, rss and the name in one small file), which the kernel takes
/// about four times longer to write (7.7 vs 2.0 µs a read, measured). Most processes sleep between walks. schedstat
/// counts the main thread only, so a process with several threads has its stat read on every walk. Reading either costs the
/// kernel about as much as opening and closing it, so both files of each process stay open and are re-read with pread,
/// up to `maxOpenFiles` descriptors (a quarter of the descriptor limit, at most 1024); further processes are opened for
/// each read. Files of exited processes are closed on the tick that no longer lists them.
/// CPU percent is of one core, like top's, so a process using several cores can pass 100. Nothing is reported on
/// the first tick, when no CPU time can be compared yet.
/// The list is refreshed every `every` seconds (3 s, as top(1) does) after the first one, not every tick: walking
/// /proc is most of a collector's CPU time, and a tick without a list leaves the hub showing the previous one.
///
/// A class, because it owns descriptors and closes them when released: one sampler owns it and calls it from one
/// task at a time, which is what makes the unchecked Sendable sound.
final class TopSource: MetricSource, @unchecked Sendable {
    static let limit = 10

    /// What is kept of a process between ticks.
    private struct Tracked {
        /// The open /proc/[pid]/stat and /proc/[pid]/schedstat, or -1.
        var fd: Int32 = -1
        var schedFd: Int32 = -1
        /// Start time and CPU ticks at the last reading of stat; the start time tells a reused pid from its old
        /// owner.
        var start: UInt64 = 0
        var ticks: UInt64 = 0
        /// What stat said last: the name and resident pages, reused while the process does not run.
        var name = ""
        var rssPages: UInt64 = 0
        /// The run time in schedstat at the last walk, in nanoseconds.
        var runtime: UInt64 = 0
        /// The process's threads at the last reading of stat (1 until then).
        var threads: UInt32 = 1
        /// The scan that last saw the process.
        var generation: UInt32 = 0
    }

    let name = "top"
    let group = MetricGroup.top
    let ticksPerSecond: Double
    let pageSize: UInt64
    let maxOpenFiles: Int
    let every: Double
    /// Told the process count of each walk, for the system source.
    let census: ProcessCensus?
    private var file = ProcFile(capacity: 1024)
    private var tracked: [Int32: Tracked] = [:]
    private var openFiles = 0
    private var generation: UInt32 = 0
    private var previousTime: Double?
    /// Whether a list has been reported since the proc root was set.
    private var listed = false
    private var byCPU: [TopProcess] = []
    private var byMemory: [TopProcess] = []
    private var exited: [Int32] = []
    /// The processes whose stat the last walk read, i.e. that had run since the walk before (for tests).
    private(set) var statReadPids: Set<Int32> = []
    /// The proc root the kept files belong to; under a different root (fixture trees) they are reopened.
    private var root = ""

    init(
        ticksPerSecond: Double = Double(sysconf(Int32(_SC_CLK_TCK))),
        pageSize: UInt64 = UInt64(sysconf(Int32(_SC_PAGESIZE))),
        maxOpenFiles: Int = TopSource.defaultMaxOpenFiles(), every: Double = 3, census: ProcessCensus? = nil
    ) {
        self.census = census
        self.ticksPerSecond = ticksPerSecond
        self.pageSize = pageSize
        self.maxOpenFiles = maxOpenFiles
        self.every = every
    }

    deinit {
        closeAll()
    }

    func collect(into snapshot: inout Snapshot, context: SourceContext) throws {
        // The first list comes on the second tick (the first one that can compare CPU times), then every `every`
        // seconds; a quarter-second of slack keeps a 1 s schedule's jitter from skipping a whole extra tick.
        if listed, let previousTime, context.procRoot == root, context.monotonicSeconds - previousTime < every - 0.25 {
            return
        }
        byCPU.removeAll(keepingCapacity: true)
        byMemory.removeAll(keepingCapacity: true)
        if context.procRoot != root {
            closeAll()
            root = context.procRoot
        }
        generation &+= 1
        statReadPids.removeAll(keepingCapacity: true)
        let elapsed = previousTime.map { context.monotonicSeconds - $0 } ?? 0
        var processes = 0
        try ProcDirectory.forEachProcess(in: context.procRoot, file: "schedstat") { pid, directory, path in
            processes += 1
            read(pid, directory, path, elapsed: elapsed)
        }
        census?.record(processes, root: context.procRoot, atSeconds: context.monotonicSeconds)
        forgetExited()
        previousTime = context.monotonicSeconds
        listed = elapsed > 0
        snapshot.top = byCPU
        for process in byMemory where !byCPU.contains(where: { $0.pid == process.pid }) {
            snapshot.top.append(process)
        }
    }

    /// Reads one process: first its schedstat (three numbers, cheap for the kernel to write) through a kept
    /// descriptor; when the run time there has not moved since the last walk and the descriptor still belongs to
    /// the same process, the process has not run, so its CPU share is 0 and its name and RSS are the ones read
    /// last time (a process that does not run faults nothing in; only reclaim could shrink its RSS, and that shows
    /// at its next run). Otherwise, or where schedstat is missing, its stat is read (also through a kept
    /// descriptor when there is room) and it is ranked from its clock ticks.
    private func read(_ pid: Int32, _ directory: Int32, _ schedPath: UnsafePointer<CChar>, elapsed: Double) {
        var entry = tracked[pid] ?? Tracked()
        let known = entry.generation != 0
        // schedstat holds the run time of the main thread alone: a process with more threads (a server whose
        // workers run while its main thread waits) is read from its stat, which sums every thread's time. The
        // remembered run time is voided, so the walk after it is back to one thread compares nothing stale.
        let singleThreaded = entry.threads <= 1
        if !singleThreaded { entry.runtime = .max }
        if singleThreaded, hasNotRun(&entry, directory, schedPath), known {
            entry.generation = generation
            tracked[pid] = entry
            if elapsed > 0 {
                rank(ProcessStat(pid: pid, name: entry.name, ticks: entry.ticks, startTime: entry.start,
                    rssPages: entry.rssPages), cpu: 0)
            }
            return
        }
        statReadPids.insert(pid)
        guard let stat = readStat(&entry, pid, directory) else {
            if entry.fd >= 0 || entry.schedFd >= 0 { tracked[pid] = entry }
            return
        }
        // A process first seen now started after the previous tick: all of its CPU time falls in this interval.
        let ticks = known && entry.start == stat.startTime ? stat.ticks - min(entry.ticks, stat.ticks) : stat.ticks
        entry.start = stat.startTime
        entry.ticks = stat.ticks
        entry.name = stat.name
        entry.rssPages = stat.rssPages
        entry.threads = stat.threads
        entry.generation = generation
        tracked[pid] = entry
        if elapsed > 0 { rank(stat, cpu: Double(ticks) / ticksPerSecond / elapsed * 100) }
    }

    /// Whether the run time in the process's schedstat is the one of the last walk (remembering the new one);
    /// false when it cannot be read or the kept descriptor had to be reopened (it may now belong to a new process
    /// on the same pid, so the comparison with the last walk means nothing).
    private func hasNotRun(_ entry: inout Tracked, _ directory: Int32, _ path: UnsafePointer<CChar>) -> Bool {
        var reopened = false
        var bytes = entry.schedFd >= 0 ? file.reread(entry.schedFd) : nil
        if bytes == nil {
            if entry.schedFd >= 0 {
                close(entry.schedFd)
                entry.schedFd = -1
                openFiles -= 1
            }
            guard openFiles < maxOpenFiles else { return false }
            entry.schedFd = openat(directory, path, O_RDONLY | O_CLOEXEC)
            guard entry.schedFd >= 0 else { return false }
            openFiles += 1
            bytes = file.reread(entry.schedFd)
            reopened = true
        }
        var scanner = bytes.map { ProcScanner($0) }
        guard let runtime = scanner?.uint64() else { return false }
        let previous = entry.runtime
        entry.runtime = runtime
        return !reopened && previous == runtime
    }

    /// The process's stat through its kept descriptor, opening one if there is room; nil when it has exited.
    private func readStat(_ entry: inout Tracked, _ pid: Int32, _ directory: Int32) -> ProcessStat? {
        var bytes = entry.fd >= 0 ? file.reread(entry.fd) : nil
        if bytes == nil, entry.fd >= 0 {
            close(entry.fd)
            entry.fd = -1
            openFiles -= 1
        }
        if bytes == nil {
            let path = "\(pid)/stat"
            if openFiles < maxOpenFiles {
                entry.fd = openat(directory, path, O_RDONLY | O_CLOEXEC)
                if entry.fd >= 0 { openFiles += 1 }
            }
            bytes = entry.fd >= 0 ? file.reread(entry.fd) : path.withCString { file.read(in: directory, $0) }
        }
        return bytes.flatMap(ProcessStat.parse)
    }

    /// Drops the processes this scan did not see, closing their files.
    private func forgetExited() {
        exited.removeAll(keepingCapacity: true)
        for (pid, entry) in tracked where entry.generation != generation {
            exited.append(pid)
            for fd in [entry.fd, entry.schedFd] where fd >= 0 {
                close(fd)
                openFiles -= 1
            }
        }
        for pid in exited {
            tracked[pid] = nil
        }
    }

    /// Closes every kept file; the processes' times stay.
    private func closeAll() {
        for (pid, entry) in tracked {
            for fd in [entry.fd, entry.schedFd] where fd >= 0 { close(fd) }
            tracked[pid]?.fd = -1
            tracked[pid]?.schedFd = -1
        }
        openFiles = 0
    }

    /// Enters one process into the CPU and memory lists if it ranks there.
    private func rank(_ stat: ProcessStat, cpu: Double) {
        let memory = stat.rssPages &* pageSize
        if cpu > 0, Self.ranks(cpu, stat.pid, in: byCPU, by: \.cpuPercent) {
            Self.insert(
                TopProcess(pid: stat.pid, name: stat.name, cpuPercent: cpu, memoryBytes: memory), into: &byCPU
            ) { ($0.cpuPercent, -$0.pid) > ($1.cpuPercent, -$1.pid) }
        }
        if memory > 0, Self.ranks(Double(memory), stat.pid, in: byMemory, by: { Double($0.memoryBytes) }) {
            Self.insert(
                TopProcess(pid: stat.pid, name: stat.name, cpuPercent: cpu, memoryBytes: memory), into: &byMemory
            ) { ($0.memoryBytes, -$0.pid) > ($1.memoryBytes, -$1.pid) }
        }
    }

    /// True when a process with `value` would enter `list` (not full, or above its last, lower pid on ties).
    private static func ranks(
        _ value: Double, _ pid: Int32, in list: [TopProcess], by key: (TopProcess) -> Double
    ) -> Bool {
        guard list.count == limit, let last = list.last else { return true }
        return (value, -pid) > (key(last), -last.pid)
    }

    /// Inserts `process` in order into `list`, keeping at most `limit` entries.
    private static func insert(
        _ process: TopProcess, into list: inout [TopProcess], by isAbove: (TopProcess, TopProcess) -> Bool
    ) {
        let at = list.firstIndex { isAbove(process, $0) } ?? list.endIndex
        list.insert(process, at: at)
        if list.count > limit { list.removeLast() }
    }

    /// A quarter of the soft descriptor limit, at most 1024: the rest stays for the collector's sockets and files.
    static func defaultMaxOpenFiles() -> Int {
        var limit = rlimit()
        #if canImport(Glibc)
            let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
            let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return 0 }
        return Int(min(limit.rlim_cur / 4, 1024))
    }
}
