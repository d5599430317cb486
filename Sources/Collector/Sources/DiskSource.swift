import SMSCore
import Spec

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A mounted filesystem from /proc/self/mounts.
struct Mount: Sendable, Equatable {
    var device: String
    var path: String
    var type: String
}

/// What statvfs(3) says about one filesystem, in blocks of `blockSize` bytes and in inodes.
struct FilesystemStats: Sendable, Equatable {
    var blockSize: UInt64
    var blocks: UInt64
    var blocksFree: UInt64
    /// Free blocks available to unprivileged users (free minus the root reserve).
    var blocksAvailable: UInt64
    var files: UInt64
    var filesFree: UInt64

    /// statvfs(3) of the mounted path, nil when the call fails (the mount is gone or not accessible).
    @Sendable static func system(_ path: String) -> FilesystemStats? {
        var result = statvfs()
        guard statvfs(path, &result) == 0 else { return nil }
        return FilesystemStats(
            blockSize: UInt64(result.f_frsize), blocks: UInt64(result.f_blocks),
            blocksFree: UInt64(result.f_bfree), blocksAvailable: UInt64(result.f_bavail),
            files: UInt64(result.f_files), filesFree: UInt64(result.f_ffree))
    }
}

/// disk group: size, use and inode use of each real filesystem, from /proc/self/mounts and statvfs.
///
/// statvfs is injected so that tests answer it from fixtures. The mount table is read again only when the kernel
/// says it changed (poll(2) on /proc/self/mounts reports POLLPRI after a mount or unmount): generating its text
/// was a twentieth of the collector's CPU. Fixture files cannot say so and are read every tick. A statvfs call on
/// a hung network filesystem blocks; sms has no timeout for it yet.
struct DiskSource: MetricSource {
    let name = "disk"
    let group = MetricGroup.disk
    private let statfs: @Sendable (String) -> FilesystemStats?
    private var file = ProcFile(capacity: 4096)
    private var mountsText: [UInt8] = []
    private var mounts: [Mount] = []
    private var keys: [SeriesKey] = []
    /// A descriptor kept open on the kernel's mount table, only to be told when it changes; -1 until opened.
    private var watch: Int32 = -1

    init(statfs: @escaping @Sendable (String) -> FilesystemStats? = FilesystemStats.system) {
        self.statfs = statfs
    }

    mutating func collect(into snapshot: inout Snapshot, context: SourceContext) throws {
        let path = context.proc("self/mounts")
        if mountsText.isEmpty || mountTableChanged(path) {
            let text = try file.read(path)
            if !text.elementsEqual(mountsText) {
                mountsText = Array(text)
                mounts = MountTable.parse(text)
                keys = mounts.flatMap { mount in Self.metrics.map { SeriesKey($0, ["mount": mount.path]) } }
            }
        }
        for (index, mount) in mounts.enumerated() {
            guard let stats = statfs(mount.path) else { continue }
            let first = index * Self.metrics.count
            Self.append(stats, keys: keys[first..<(first + Self.metrics.count)], to: &snapshot.samples)
        }
    }

    /// True unless the kernel can tell, and tells that nothing changed since the last look.
    private mutating func mountTableChanged(_ path: String) -> Bool {
        guard path.hasPrefix("/proc/") else { return true }
        if watch < 0 {
            watch = open(path, O_RDONLY | O_CLOEXEC)
            return true
        }
        var event = pollfd(fd: watch, events: Int16(POLLPRI), revents: 0)
        guard poll(&event, 1, 0) >= 0 else { return true }
        return event.revents & Int16(POLLPRI | POLLERR) != 0
    }

    private static let metrics = [
        "disk.total_bytes", "disk.used_bytes", "disk.free_bytes", "disk.used_percent", "disk.inodes_used_percent",
    ]

    /// Appends the samples of one filesystem, `keys` being its series of `metrics` in order. Used percent is df's:
    /// used over used plus available, so a full disk reads 100 even with the root reserve left. A filesystem
    /// without inodes (vfat; btrfs reports 0) has no inode percent.
    static func append(_ stats: FilesystemStats, keys: ArraySlice<SeriesKey>, to out: inout [Sample]) {
        var key = keys.startIndex
        func add(_ value: Double) {
            out.append(Sample(keys[key], value))
            key += 1
        }
        let used = (stats.blocks - min(stats.blocksFree, stats.blocks)) &* stats.blockSize
        let available = stats.blocksAvailable &* stats.blockSize
        let usable = used &+ available
        add(Double(stats.blocks &* stats.blockSize))
        add(Double(used))
        add(Double(available))
        add(usable == 0 ? 0 : Derived.rounded(Double(used) / Double(usable) * 100))
        if stats.files > 0 {
            let usedFiles = stats.files - min(stats.filesFree, stats.files)
            add(Derived.rounded(Double(usedFiles) / Double(stats.files) * 100))
        }
    }
}

/// Parsing and filtering of /proc/self/mounts.
enum MountTable {
    /// Virtual and pseudo filesystems, after node_exporter's default exclusion list, plus in-memory ones.
    static let ignoredTypes: Set<String> = [
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs", "efivarfs",
        "erofs", "fuse.gvfsd-fuse", "fuse.lxcfs", "fuse.portal", "fuse.snapfuse", "fusectl", "hugetlbfs", "iso9660",
        "mqueue", "nsfs", "overlay", "proc", "procfs", "pstore", "ramfs", "rootfs", "rpc_pipefs", "securityfs",
        "selinuxfs", "squashfs", "sysfs", "tmpfs", "tracefs", "zram",
    ]
    /// Mount points under which nothing is a user's filesystem (node_exporter's default).
    static let ignoredPrefixes = [
        "/dev/", "/proc/", "/sys/", "/run/credentials/", "/var/lib/docker/",
        "/var/lib/containers/storage/", "/var/lib/kubelet/pods/",
    ]

    /// The real filesystems of a mount table, one per device (the shortest mount point wins, so bind mounts
    /// and btrfs subvolumes of one device count once), in file order.
    static func parse(_ bytes: ArraySlice<UInt8>) -> [Mount] {
        var mounts: [Mount] = []
        var scanner = ProcScanner(bytes)
        while !scanner.isAtEnd {
            defer { scanner.nextLine() }
            guard let device = scanner.token(), let path = scanner.token(), let type = scanner.token() else {
                continue
            }
            let mount = Mount(device: unescape(device), path: unescape(path), type: type.utf8String)
            guard isReal(mount) else { continue }
            if let same = mounts.firstIndex(where: { $0.device == mount.device }) {
                if mount.path.utf8.count < mounts[same].path.utf8.count { mounts[same] = mount }
            } else {
                mounts.append(mount)
            }
        }
        return mounts
    }

    /// True for a filesystem that stores a user's data; an overlay is kept only as the root (a container's).
    static func isReal(_ mount: Mount) -> Bool {
        if mount.type == "overlay" { return mount.path == "/" }
        let path = mount.path
        let dir = path.hasSuffix("/") ? path : path + "/"
        return !ignoredTypes.contains(mount.type) && !ignoredPrefixes.contains(where: dir.hasPrefix)
    }

    /// A mounts field with the kernel's octal escapes (`\040` for a space) decoded.
    static func unescape(_ field: ArraySlice<UInt8>) -> String {
        guard field.contains(UInt8(ascii: "\\")) else { return field.utf8String }
        var bytes: [UInt8] = []
        var i = field.startIndex
        while i < field.endIndex {
            if field[i] == UInt8(ascii: "\\"), i + 3 < field.endIndex,
                let code = octal(field[(i + 1)...(i + 3)])
            {
                bytes.append(code)
                i += 4
            } else {
                bytes.append(field[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Three octal digits as a byte.
    private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        var value: UInt16 = 0
        for byte in digits {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 8 else { return nil }
            value = value * 8 + UInt16(digit)
        }
        return value <= 255 ? UInt8(value) : nil
    }
}
