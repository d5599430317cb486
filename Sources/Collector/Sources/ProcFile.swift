import SMSCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a metric source could not produce its samples: a kernel file it could not read or did not understand.
public struct MetricSourceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure, extensible without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        /// The file or directory could not be opened or read.
        public static let unreadable = Code(description: "unreadable")
        /// The file was read but its content was not in the expected format.
        public static let malformed = Code(description: "malformed")
    }

    public var code: Code
    public var path: String
    public var detail: String

    public init(_ code: Code, path: String, detail: String) {
        self.code = code
        self.path = path
        self.detail = detail
    }

    /// An open or read failure, described by `errno`.
    static func unreadable(_ path: String, errno number: Int32) -> MetricSourceError {
        MetricSourceError(.unreadable, path: path, detail: String(cString: strerror(number)))
    }

    /// Content that did not parse.
    static func malformed(_ path: String, _ detail: String) -> MetricSourceError {
        MetricSourceError(.malformed, path: path, detail: detail)
    }

    public var description: String {
        code == .unreadable ? "cannot read \(path): \(detail)" : "unexpected content in \(path): \(detail)"
    }
}

/// Reads small kernel files (/proc, /sys) with POSIX open/read into one reused buffer.
///
/// Kernel files report a size of 0 and are generated while read, so the file is read until EOF, doubling the
/// buffer when it fills. The buffer keeps its capacity between ticks: a steady-state read allocates nothing.
/// A procfs file stays open after its first read and is read again with one pread from offset 0 (the kernel
/// generates it anew), instead of open, read, read to EOF and close each tick; other files (sysfs, the fixture
/// trees of tests, which may be replaced between reads) are opened each time.
/// Parse the returned slice before the next read, or the next read copies the buffer instead of reusing it.
struct ProcFile: Sendable {
    private var storage: [UInt8]
    private var count = 0
    private let kept = KeptDescriptors()

    init(capacity: Int = 4096) {
        storage = [UInt8](repeating: 0, count: max(capacity, 64))
    }

    /// Reads the whole file at `path`.
    mutating func read(_ path: String) throws(MetricSourceError) -> ArraySlice<UInt8> {
        if let fd = kept.descriptor(path) {
            if let bytes = reread(fd) { return bytes }
            kept.forget(path)
        }
        let fd = openFile(path)
        guard fd >= 0 else { throw .unreadable(path, errno: errno) }
        guard readAll(fd) else {
            let number = errno
            close(fd)
            throw .unreadable(path, errno: number)
        }
        if !kept.keep(fd, for: path, readBytes: count) { close(fd) }
        return storage[0..<count]
    }

    /// Reads the file at `relativePath` under the open directory `directory` (openat), or nil when it cannot be
    /// read: used by the per-process scan, where a process may exit between listing and reading.
    mutating func read(in directory: Int32, _ relativePath: UnsafePointer<CChar>) -> ArraySlice<UInt8>? {
        let fd = openat(directory, relativePath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readAll(fd) ? storage[0..<count] : nil
    }

    /// Reads a single-record kernel file (one `show`, such as /proc/[pid]/stat) again through a descriptor kept
    /// open, with pread from offset 0; nil when the read fails (the process has exited: ESRCH). The kernel
    /// regenerates the record for offset 0 and returns all of it when it fits, so a read shorter than the buffer
    /// is the whole file; another pread past the end would make it generate the record a second time.
    mutating func reread(_ fd: Int32) -> ArraySlice<UInt8>? {
        count = 0
        while true {
            let start = count
            let n = storage.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + start, raw.count - start, off_t(start))
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return n == 0 && count > 0 ? storage[0..<count] : nil }
            count += n
            guard count == storage.count else { return storage[0..<count] }
            storage.append(contentsOf: repeatElement(0, count: storage.count))
        }
    }

    /// Reads `fd` to EOF into `storage`, growing it as needed; false on a read error.
    private mutating func readAll(_ fd: Int32) -> Bool {
        count = 0
        while true {
            if count == storage.count {
                storage.append(contentsOf: repeatElement(0, count: storage.count))
            }
            let start = count
            let n = storage.withUnsafeMutableBytes { raw in
                readBytes(fd, raw.baseAddress! + start, raw.count - start)
            }
            if n > 0 {
                count += n
            } else if n == 0 {
                return true
            } else if errno != EINTR {
                return false
            }
        }
    }
}

/// The procfs descriptors one `ProcFile` keeps open, by path (a few per source), closed with it. A class because it
/// owns descriptors; a `ProcFile` is used from one task at a time (its source's), which makes it Sendable.
private final class KeptDescriptors: @unchecked Sendable {
    private static let limit = 8
    private var byPath: [String: Int32] = [:]

    deinit {
        for fd in byPath.values { close(fd) }
    }

    func descriptor(_ path: String) -> Int32? { byPath[path] }

    /// Keeps `fd` when it is a file the kernel generates at each read (procfs: it reports size 0 yet had
    /// `readBytes`) and there is room; false when the caller should close it. A regular file (a test's fixture)
    /// may be replaced between reads, and a descriptor kept open would read the old one.
    func keep(_ fd: Int32, for path: String, readBytes: Int) -> Bool {
        guard byPath.count < Self.limit, readBytes > 0 else { return false }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size == 0 else { return false }
        byPath[path] = fd
        return true
    }

    func forget(_ path: String) {
        if let fd = byPath.removeValue(forKey: path) { close(fd) }
    }
}

/// `open(2)` for reading; a free function so the name does not resolve to `ProcFile.read`.
private func openFile(_ path: String) -> Int32 {
    open(path, O_RDONLY | O_CLOEXEC)
}

/// `read(2)`; a free function so the name does not resolve to `ProcFile.read`.
private func readBytes(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
