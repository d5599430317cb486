import SMSCore
import Spec

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// custom group: your own metrics, from the `*.prom` files of the machine's `textfile_dir` (node_exporter's
/// textfile collector: a cron job or script writes a file, atomically, and the collector reads it each interval).
///
/// Each file's samples become `custom.NAME{labels}` series, and `collector.source_success{source="custom:FILE"}`
/// says whether the whole file was good (0 when a line was bad: the other lines still count). A file is parsed
/// again only when it changed (modification time, size or inode), so a steady folder costs a `stat` per file.
/// Bounded: a file over `maxFileBytes`, or one whose series would take the machine past `maxSeries`, is refused
/// whole, with a clear error; at most `maxFiles` files are read. Problems are reported once per version of a file.
struct TextfileSource: MetricSource {
    static let maxFileBytes = 1 << 20
    static let maxSeries = 1_000
    static let maxFiles = 100

    /// What was read from one version of a file.
    private struct Cached {
        var version: FileVersion
        var parsed: TextfileFormat.Parsed
        /// True when the file is refused whole (too large); its problem says why.
        var refused: Bool
        /// Whether the series limit refusal was reported for this version.
        var reportedOverLimit = false
    }

    private struct FileVersion: Equatable {
        var modified: Int64
        var size: Int64
        var inode: UInt64
    }

    let name = "custom"
    let group = MetricGroup.custom
    /// The folder; nil: a machine without `textfile_dir` reads nothing.
    let directory: String?
    private var file = ProcFile(capacity: 4096)
    private var cache: [String: Cached] = [:]
    private var pending: [String] = []
    private var reportedTooMany = false

    init(directory: String?) {
        self.directory = directory
    }

    mutating func collect(into snapshot: inout Snapshot, context: SourceContext) throws {
        guard let directory else { return }
        guard var names = ProcDirectory.entries(of: directory) else {
            throw MetricSourceError.unreadable(directory, errno: errno)
        }
        names = names.filter { $0.hasSuffix(".prom") }
        if names.count > Self.maxFiles {
            if !reportedTooMany {
                pending.append("\(directory): \(names.count) .prom files; only the first \(Self.maxFiles) are read")
            }
            reportedTooMany = true
            names = Array(names.prefix(Self.maxFiles))
        } else {
            reportedTooMany = false
        }
        var series = 0
        for name in names {
            let path = directory + "/" + name
            guard let entry = read(path, name: name) else { continue }
            var ok = entry.parsed.problems.isEmpty && !entry.refused
            if !entry.refused {
                if series + entry.parsed.samples.count > Self.maxSeries {
                    ok = false
                    if cache[name]?.reportedOverLimit == false {
                        pending.append(
                            "\(path): its \(entry.parsed.samples.count) series would pass the limit of \(Self.maxSeries)"
                                + " custom series per machine (\(series) already); the file is skipped")
                        cache[name]?.reportedOverLimit = true
                    }
                } else {
                    series += entry.parsed.samples.count
                    snapshot.samples.append(contentsOf: entry.parsed.samples)
                }
            }
            snapshot.samples.append(Sample("collector.source_success", ["source": "custom:" + name], ok ? 1 : 0))
        }
        let listed = Set(names)
        cache = cache.filter { listed.contains($0.key) }
    }

    /// The problems found since the last call, each once, for the sampler to log.
    mutating func takeProblems() -> [String] {
        defer { pending.removeAll() }
        return pending
    }

    /// The file's samples: the cached ones while it has not changed, else read and parsed anew; nil when it
    /// vanished between the listing and the read.
    private mutating func read(_ path: String, name: String) -> Cached? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let version = FileVersion(
            modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec), size: Int64(info.st_size),
            inode: UInt64(info.st_ino))
        if let cached = cache[name], cached.version == version { return cached }
        var entry: Cached
        if info.st_size > Self.maxFileBytes {
            let megabytes = Double(info.st_size) / 1_000_000
            let problem = "\(path): \((megabytes * 10).rounded() / 10) MB; the limit is 1 MiB per file, so it is not read"
            entry = Cached(version: version, parsed: .init(problems: [problem]), refused: true)
        } else {
            do {
                let bytes = try file.read(path)
                entry = Cached(version: version, parsed: TextfileFormat.parse(bytes, file: path), refused: false)
            } catch {
                entry = Cached(version: version, parsed: .init(problems: ["\(error)"]), refused: true)
            }
        }
        pending.append(contentsOf: entry.parsed.problems.prefix(10))
        if entry.parsed.problems.count > 10 {
            pending.append("\(path): \(entry.parsed.problems.count - 10) more bad lines")
        }
        cache[name] = entry
        return entry
    }
}
