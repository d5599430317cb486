#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Where a machine's cgroups are and what each one holds.
///
/// cgroup v2 (unified): one hierarchy at `/sys/fs/cgroup` with `cgroup.controllers` at its root, every file of a
/// cgroup in its one folder. v1, or hybrid (v1 controllers with an empty v2 at `/sys/fs/cgroup/unified`): one
/// hierarchy per controller (`memory/`, `cpu/`, `cpuacct/`, `blkio/`, `pids/`), each holding the same cgroup paths.
enum CgroupLayout: Sendable, Equatable {
    /// The unified hierarchy at this folder.
    case v2(String)
    /// One hierarchy per controller under this folder (`memory`, `cpuacct`, …).
    case v1(String)

    /// The layout under `root` (`/sys/fs/cgroup`), nil when no cgroup hierarchy is mounted there.
    static func detect(root: String) -> CgroupLayout? {
        if exists(root + "/cgroup.controllers") {
            // A v2 root with no controllers enabled but v1 hierarchies beside it is hybrid: read the v1 ones.
            if !exists(root + "/memory/memory.usage_in_bytes") { return .v2(root) }
        }
        if exists(root + "/memory/cgroup.procs") || exists(root + "/cpuacct/cgroup.procs") { return .v1(root) }
        if exists(root + "/unified/cgroup.controllers"), exists(root + "/unified/cgroup.subtree_control"),
            hasControllers(root + "/unified")
        {
            return .v2(root + "/unified")
        }
        return nil
    }

    /// The hierarchy whose folders are walked to find cgroups: the unified one, or v1's memory (where Docker,
    /// Podman and, with memory accounting, systemd make a folder for each container and service).
    var walkRoot: String {
        switch self {
        case .v2(let root): root
        case .v1(let root): Self.exists(root + "/memory/cgroup.procs") ? root + "/memory" : root + "/cpuacct"
        }
    }

    /// The folder of the cgroup at `path` (`/system.slice/docker-….scope`) for `controller` (v1; ignored on v2).
    func folder(_ controller: String, _ path: String) -> String {
        switch self {
        case .v2(let root): root + path
        case .v1(let root): root + "/" + controller + path
        }
    }

    /// True when the v2 hierarchy at `root` enables a controller whose figures the source reads.
    private static func hasControllers(_ root: String) -> Bool {
        var file = ProcFile(capacity: 256)
        guard let bytes = try? file.read(root + "/cgroup.controllers") else { return false }
        return bytes.contains(UInt8(ascii: "m")) || bytes.contains(UInt8(ascii: "c"))
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}

/// What a cgroup folder holds, told from its name alone.
enum CgroupKind: Sendable, Equatable {
    /// A container's cgroup, with the runtime's container id (64 hex digits).
    case container(id: String)
    /// A systemd service's cgroup, with the unit name (`nginx.service`).
    case service(unit: String)
    /// Anything else: slices, scopes, the runtimes' own groups; read only when a path pattern picks it.
    case other

    /// Docker (`docker-ID.scope` with systemd, `/docker/ID` without), Podman (`libpod-ID.scope`, `libpod-ID`),
    /// containerd (`cri-containerd-ID.scope`, `/default/ID`, nerdctl's `nerdctl-ID.scope`), CRI-O (`crio-ID.scope`).
    static func of(_ name: String) -> CgroupKind {
        if isID(name.utf8) { return .container(id: name) }
        var stem = Substring(name)
        if stem.hasSuffix(".scope") { stem = stem.dropLast(6) }
        for prefix in containerPrefixes where stem.hasPrefix(prefix) {
            let id = stem.dropFirst(prefix.count)
            if isID(id.utf8) { return .container(id: String(id)) }
        }
        if name.hasSuffix(".service"), name.count > 8 { return .service(unit: name) }
        return .other
    }

    private static let containerPrefixes = ["docker-", "libpod-", "cri-containerd-", "crio-", "nerdctl-"]

    /// 64 lowercase hex digits: a container id.
    private static func isID(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.count == 64 && bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}

/// One cgroup found by a walk: its path below the hierarchy's root and what it holds.
struct CgroupEntry: Sendable, Equatable {
    var path: String
    var kind: CgroupKind
}

extension CgroupLayout {
    /// Most folders a walk looks at, and how deep: a machine's cgroup tree is a few hundred folders, and
    /// containers sit at most five levels down (rootless Podman under `user@UID.service`, pods under kubepods).
    static let maxFolders = 4096
    static let maxDepth = 7

    /// Every cgroup below the walk root (not the root itself), in path order; a container's folder, or one that
    /// `isLeaf` says is read whole, is not entered (what it holds is part of it). Empty when the root cannot be
    /// listed.
    func walk(isLeaf: (CgroupEntry) -> Bool = { _ in false }) -> [CgroupEntry] {
        var found: [CgroupEntry] = []
        var visited = 0
        Self.walk(walkRoot, "", depth: 1, into: &found, visited: &visited, isLeaf: isLeaf)
        return found
    }

    private static func walk(
        _ root: String, _ path: String, depth: Int, into found: inout [CgroupEntry], visited: inout Int,
        isLeaf: (CgroupEntry) -> Bool
    ) {
        guard depth <= maxDepth, let directory = opendir(root + path) else { return }
        defer { closedir(directory) }
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        var children: [String] = []
        while let entry = readdir(directory) {
            guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
            let raw = UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self)
            let name = String(cString: raw)
            if name != ".", name != ".." { children.append(name) }
        }
        for name in children.sorted() {
            visited += 1
            guard visited <= maxFolders else { return }
            let child = path + "/" + name
            let entry = CgroupEntry(path: child, kind: CgroupKind.of(name))
            found.append(entry)
            if case .container = entry.kind { continue }
            if isLeaf(entry) { continue }
            walk(root, child, depth: depth + 1, into: &found, visited: &visited, isLeaf: isLeaf)
        }
    }
}
