import SMSCore
import Spec

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The walk of the cgroup tree: which cgroups to read, their names and files, and what changes slowly.
extension ContainerSource {
    /// Finds the cgroups to read under `cgroupRoot`, keeping the targets (and their descriptors and last readings)
    /// that are still there, dropping the gone ones and making the new ones; then refreshes each one's limit,
    /// OOM-kill count and network namespace.
    func walk(_ cgroupRoot: String, _ context: SourceContext) {
        if cgroupRoot != root {
            for target in order { close(target) }
            targets = [:]
            order = []
            root = cgroupRoot
            layout = CgroupLayout.detect(root: cgroupRoot)
            hostNetNamespaces = Set(["1/ns/net", "self/ns/net"].compactMap { Self.netNamespace(context.proc($0)) })
        }
        lastWalk = context.monotonicSeconds
        walks &+= 1
        guard let layout else { return }
        // The ones already read first, so past the maximum their series go on and new ones wait.
        var chosen: [Target] = []
        var newcomers: [(entry: CgroupEntry, label: String, name: String)] = []
        var wanted = 0
        // A cgroup picked by its path is read whole, like a container: its sub-cgroups are not listed. A service
        // is entered still: rootless Podman keeps its containers under `user@UID.service`.
        let picked: (CgroupEntry) -> Bool = { [selection] entry in
            guard case .other = entry.kind else { return false }
            return selection.selects(path: entry.path, kind: entry.kind, name: entry.path)
        }
        for entry in layout.walk(isLeaf: picked) {
            let known = targets[entry.path].flatMap { $0.gone ? nil : $0 }
            let (label, name) = known.map { (Self.labelKey($0.keys[0]), $0.name) } ?? describe(entry)
            guard selection.selects(path: entry.path, kind: entry.kind, name: name) else { continue }
            wanted += 1
            if let known { chosen.append(known) } else { newcomers.append((entry, label, name)) }
        }
        for (entry, label, name) in newcomers.prefix(max(0, selection.max - chosen.count)) {
            if let old = targets[entry.path] { close(old) }
            let target = Target(path: entry.path, label: label, name: name, files: Self.files(layout, entry.path))
            targets[entry.path] = target
            chosen.append(target)
        }
        chosen = Array(chosen.prefix(selection.max)).sorted { $0.path < $1.path }
        if wanted > selection.max {
            if !reportedOverMax {
                pending.append(
                    "\(wanted) containers and services are selected; only \(selection.max) are read"
                        + " (machines[].containers.max, or narrow it with include/exclude)")
            }
            reportedOverMax = true
        } else {
            reportedOverMax = false
        }
        let kept = Set(chosen.map(\.path))
        for (path, target) in targets where !kept.contains(path) {
            close(target)
            targets[path] = nil
        }
        order = chosen
        // The machine's memory stands in for a missing limit; /proc/meminfo costs the kernel more than a cgroup
        // file, so it is read only when there is a cgroup to read.
        if !order.isEmpty { memTotal = readMemTotal(context.proc("meminfo")) }
        for target in order { refreshSlow(target, layout, context) }
    }

    /// The label (`container` or `service`) and name of a newly found cgroup.
    private func describe(_ entry: CgroupEntry) -> (String, String) {
        switch entry.kind {
        case .container(let id): ("container", names.name(of: id) ?? entry.path)
        case .service(let unit): ("service", unit)
        case .other: ("container", entry.path)
        }
    }

    private static func labelKey(_ key: SeriesKey) -> String {
        key.labels["service"] != nil ? "service" : "container"
    }

    /// The paths of the files read each tick, in `Slot` order; empty where the layout has no such file.
    static func files(_ layout: CgroupLayout, _ path: String) -> [String] {
        var files = Array(repeating: "", count: Slot.allCases.count)
        switch layout {
        case .v2:
            let folder = layout.folder("", path)
            files[Slot.cpu.rawValue] = folder + "/cpu.stat"
            files[Slot.memory.rawValue] = folder + "/memory.current"
            files[Slot.memoryStat.rawValue] = folder + "/memory.stat"
            files[Slot.memoryLimit.rawValue] = folder + "/memory.max"
            files[Slot.oomKills.rawValue] = folder + "/memory.events"
            files[Slot.io.rawValue] = folder + "/io.stat"
            files[Slot.pids.rawValue] = folder + "/pids.current"
        case .v1:
            files[Slot.cpu.rawValue] = layout.folder("cpuacct", path) + "/cpuacct.usage"
            files[Slot.cpuStat.rawValue] = layout.folder("cpu", path) + "/cpu.stat"
            files[Slot.memory.rawValue] = layout.folder("memory", path) + "/memory.usage_in_bytes"
            files[Slot.memoryStat.rawValue] = layout.folder("memory", path) + "/memory.stat"
            files[Slot.memoryLimit.rawValue] = layout.folder("memory", path) + "/memory.limit_in_bytes"
            files[Slot.oomKills.rawValue] = layout.folder("memory", path) + "/memory.oom_control"
            files[Slot.io.rawValue] = layout.folder("blkio", path) + "/blkio.throttle.io_service_bytes_recursive"
            files[Slot.pids.rawValue] = layout.folder("pids", path) + "/pids.current"
        }
        return files
    }

    /// What moves slowly, through kept descriptors: the limit, OOM kills and droppable page cache; and, once
    /// (again when its file fails), the network namespace to read when the cgroup has one of its own.
    private func refreshSlow(_ target: Target, _ layout: CgroupLayout, _ context: SourceContext) {
        let memoryFolder = layout.folder("memory", target.path)
        let v2: Bool
        if case .v2 = layout { v2 = true } else { v2 = false }
        target.limit = bytes(target, .memoryLimit).flatMap(CgroupStats.number)
        target.oomKills = bytes(target, .oomKills).flatMap { CgroupStats.value("oom_kill", in: $0) }
        target.inactiveFile = bytes(target, .memoryStat).flatMap {
            v2 ? CgroupStats.value("inactive_file", in: $0) : CgroupStats.value("total_inactive_file", in: $0)
        } ?? 0
        // No limit (v2's "max", v1's near-2⁶³): the machine's memory is what the container may use.
        if let limit = target.limit, let memTotal, limit >= memTotal { target.limit = nil }
        guard !target.netChecked else { return }
        target.netChecked = true
        let netSlot = Slot.net.rawValue
        target.files[netSlot] = ""
        guard let pid = once(memoryFolder + "/cgroup.procs").flatMap(CgroupStats.firstPid)
            ?? once(layout.folder("pids", target.path) + "/cgroup.procs").flatMap(CgroupStats.firstPid)
        else { return }
        let namespace = Self.netNamespace(context.proc("\(pid)/ns/net"))
        // Sharing the machine's namespace (a service, a container with --network host): its traffic is the
        // machine's, which the net group reports already.
        guard let namespace, !hostNetNamespaces.contains(namespace) else { return }
        target.files[netSlot] = context.proc("\(pid)/net/dev")
    }

    /// A file read once, without keeping a descriptor.
    private func once(_ path: String) -> ArraySlice<UInt8>? {
        path.withCString { file.read(in: AT_FDCWD, $0) }
    }

    private func readMemTotal(_ path: String) -> UInt64? {
        guard let bytes = once(path) else { return nil }
        var scanner = ProcScanner(bytes)
        guard let label = scanner.token(), label.equals("MemTotal:"), let kilobytes = scanner.uint64() else {
            return nil
        }
        return kilobytes * 1024
    }

    /// The inode of a network namespace link (`/proc/PID/ns/net`), nil when it cannot be read.
    static func netNamespace(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }
}
