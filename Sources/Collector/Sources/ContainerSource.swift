import SMSCore
import Spec

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// containers group: CPU, memory, block I/O, processes and network of each container and (opted-in) systemd
/// service, from its cgroup (v2, or v1 on hybrid machines) under `<sys root>/fs/cgroup`.
///
/// The cgroup tree is walked every `every` seconds (3 s, as the top list): a new container shows up, and one that
/// is gone stops being reported. Between walks each tick reads six small files per cgroup through descriptors kept
/// open (re-read with pread from offset 0, as the top list does), up to `maxOpenFiles`; the limit, the OOM-kill
/// count and which process's network namespace to read are looked at on walks only. Rates need two readings, so a
/// cgroup's CPU, I/O and network show from its second tick. A machine without cgroups reports nothing.
///
/// A class, because it owns descriptors: one sampler calls it from one task at a time, which makes the unchecked
/// Sendable sound.
final class ContainerSource: MetricSource, @unchecked Sendable {
    /// The files of a cgroup, in the order of `Target.fds`: the first six are read each tick, the rest (whose
    /// figures move slowly, and `memory.stat`, which costs the kernel five times what the others do) on walks.
    enum Slot: Int, CaseIterable {
        case cpu, cpuStat, memory, io, pids, net, memoryStat, memoryLimit, oomKills
    }

    /// The metrics of one cgroup, in the order of `Target.keys`.
    static let metrics = [
        "container.cpu_percent", "container.cpu_throttled_percent", "container.memory_bytes",
        "container.memory_limit_bytes", "container.memory_percent", "container.oom_kills",
        "container.blkio_read_bytes_per_second", "container.blkio_write_bytes_per_second", "container.pids",
        "container.net_rx_bytes_per_second", "container.net_tx_bytes_per_second",
    ]

    /// One tick's counters of a cgroup.
    struct Reading {
        var time: Double = 0
        var cpuNanoseconds: UInt64?
        var periods: UInt64?
        var throttledPeriods: UInt64?
        var memory: UInt64?
        var io: (read: UInt64, written: UInt64)?
        var pids: UInt64?
        var net: (received: UInt64, sent: UInt64)?
    }

    /// A cgroup being read.
    final class Target {
        let path: String
        let keys: [SeriesKey]
        /// The label value: the container's or unit's name, else the path.
        let name: String
        var files: [String]
        var fds: [Int32]
        var previous: Reading?
        var limit: UInt64?
        var oomKills: UInt64?
        /// Page cache the kernel may drop (`inactive_file`), left out of the memory figure; read on walks.
        var inactiveFile: UInt64 = 0
        /// Whether the network namespace of the cgroup's processes has been looked at since its net file failed.
        var netChecked = false
        /// Set when a read found the cgroup removed: nothing more is reported for it.
        var gone = false

        init(path: String, label: String, name: String, files: [String]) {
            self.path = path
            self.name = name
            self.files = files
            keys = ContainerSource.metrics.map { SeriesKey($0, [label: name]) }
            fds = Array(repeating: -1, count: Slot.allCases.count)
        }
    }

    let name = "containers"
    let group = MetricGroup.containers
    let selection: ContainerSelection
    let every: Double
    let maxOpenFiles: Int
    var names: ContainerNames
    var file = ProcFile(capacity: 2048)
    var layout: CgroupLayout?
    var root = ""
    var targets: [String: Target] = [:]
    /// The targets in path order, as reported.
    var order: [Target] = []
    var lastWalk: Double?
    var walks: UInt32 = 0
    var openFiles = 0
    var memTotal: UInt64?
    /// The network namespaces that are the machine's: init's, and the collector's own (the same on a host; with
    /// `--network host` too; where init runs apart, as in some sandboxes, the collector's is the one it reports).
    var hostNetNamespaces: Set<UInt64> = []
    var pending: [String] = []
    var reportedOverMax = false

    init(
        selection: ContainerSelection = .default, rootfs: String = "/", every: Double = 3,
        maxOpenFiles: Int = TopSource.defaultMaxOpenFiles()
    ) {
        self.selection = selection
        self.every = every
        self.maxOpenFiles = maxOpenFiles
        names = ContainerNames(rootfs: rootfs)
    }

    deinit {
        for target in order { close(target) }
    }

    /// The cgroups being read, by label value (for tests).
    var readNames: [String] { order.map(\.name) }

    func collect(into snapshot: inout Snapshot, context: SourceContext) throws {
        let cgroupRoot = context.sys("fs/cgroup")
        if cgroupRoot != root || lastWalk.map({ context.monotonicSeconds - $0 >= every - 0.25 }) ?? true {
            walk(cgroupRoot, context)
        }
        guard let layout else { return }
        for target in order where !target.gone {
            var now = read(target, layout)
            now.time = context.monotonicSeconds
            guard !target.gone else { continue }
            report(target, now, into: &snapshot)
            target.previous = now
        }
    }

    func takeProblems() -> [String] {
        defer { pending.removeAll() }
        return pending
    }

    // MARK: - Reading

    private func read(_ target: Target, _ layout: CgroupLayout) -> Reading {
        var reading = Reading()
        switch layout {
        case .v2:
            if let bytes = bytes(target, .cpu) {
                reading.cpuNanoseconds = CgroupStats.value("usage_usec", in: bytes).map { $0 &* 1000 }
                reading.periods = CgroupStats.value("nr_periods", in: bytes)
                reading.throttledPeriods = CgroupStats.value("nr_throttled", in: bytes)
            }
            if let bytes = bytes(target, .io) { reading.io = CgroupStats.ioV2(bytes) }
        case .v1:
            if let bytes = bytes(target, .cpu) { reading.cpuNanoseconds = CgroupStats.number(bytes) }
            if let bytes = bytes(target, .cpuStat) {
                reading.periods = CgroupStats.value("nr_periods", in: bytes)
                reading.throttledPeriods = CgroupStats.value("nr_throttled", in: bytes)
            }
            if let bytes = bytes(target, .io) { reading.io = CgroupStats.ioV1(bytes) }
        }
        if let bytes = bytes(target, .memory) { reading.memory = CgroupStats.number(bytes) }
        if let bytes = bytes(target, .pids) { reading.pids = CgroupStats.number(bytes) }
        if let bytes = bytes(target, .net) { reading.net = CgroupStats.netDev(bytes) }
        return reading
    }

    /// The bytes of one of the target's files through its kept descriptor, opening it first; nil when the file is
    /// absent (a controller not enabled for the cgroup) or the cgroup was removed, which marks the target gone.
    func bytes(_ target: Target, _ slot: Slot) -> ArraySlice<UInt8>? {
        let index = slot.rawValue
        let path = target.files[index]
        guard !path.isEmpty else { return nil }
        if target.fds[index] >= 0 {
            if let bytes = file.reread(target.fds[index]) { return bytes }
            // ENODEV: the cgroup is gone (its process's files: the process exited, and the next walk finds another).
            closeFile(target.fds[index])
            target.fds[index] = -1
            openFiles -= 1
            if slot == .net {
                target.files[index] = ""
                target.netChecked = false
            } else {
                target.gone = true
            }
            return nil
        }
        if openFiles < maxOpenFiles {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                // Absent until the target is made anew; a process's net file, until the next walk finds another.
                target.files[index] = ""
                if slot == .net { target.netChecked = false }
                return nil
            }
            target.fds[index] = fd
            openFiles += 1
            return file.reread(fd)
        }
        return path.withCString { file.read(in: AT_FDCWD, $0) }
    }

    private func report(_ target: Target, _ now: Reading, into snapshot: inout Snapshot) {
        let keys = target.keys
        if let memory = now.memory {
            let used = memory - min(memory, target.inactiveFile)
            snapshot.samples.append(Sample(keys[2], Double(used)))
            if let limit = target.limit ?? memTotal, limit > 0 {
                snapshot.samples.append(Sample(keys[3], Double(limit)))
                snapshot.samples.append(Sample(keys[4], min(100, Derived.rounded(Double(used) / Double(limit) * 100))))
            }
        }
        if let oom = target.oomKills { snapshot.samples.append(Sample(keys[5], Double(oom))) }
        if let pids = now.pids { snapshot.samples.append(Sample(keys[8], Double(pids))) }
        guard let before = target.previous, now.time > before.time else { return }
        let seconds = now.time - before.time
        func rate(_ a: UInt64?, _ b: UInt64?) -> Double? {
            guard let a, let b, b >= a else { return nil }
            return Derived.rounded(Double(b - a) / seconds)
        }
        if let cpu = rate(before.cpuNanoseconds, now.cpuNanoseconds) {
            snapshot.samples.append(Sample(keys[0], Derived.rounded(cpu / 1e7)))
        }
        if let periods = now.periods, let old = before.periods, let throttled = now.throttledPeriods,
            let oldThrottled = before.throttledPeriods, periods >= old, throttled >= oldThrottled
        {
            let share = periods > old ? Double(throttled - oldThrottled) / Double(periods - old) * 100 : 0
            snapshot.samples.append(Sample(keys[1], min(100, Derived.rounded(share))))
        }
        if let io = now.io, let old = before.io {
            if let read = rate(old.read, io.read) { snapshot.samples.append(Sample(keys[6], read)) }
            if let written = rate(old.written, io.written) { snapshot.samples.append(Sample(keys[7], written)) }
        }
        if let net = now.net, let old = before.net {
            if let rx = rate(old.received, net.received) { snapshot.samples.append(Sample(keys[9], rx)) }
            if let tx = rate(old.sent, net.sent) { snapshot.samples.append(Sample(keys[10], tx)) }
        }
    }

    func close(_ target: Target) {
        for (index, fd) in target.fds.enumerated() where fd >= 0 {
            closeFile(fd)
            target.fds[index] = -1
            openFiles -= 1
        }
    }
}

/// `close(2)`; a free function so the name does not resolve to `ContainerSource.close`.
func closeFile(_ fd: Int32) {
    close(fd)
}
