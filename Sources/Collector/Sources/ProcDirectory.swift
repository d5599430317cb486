import SMSCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Lists kernel directories with POSIX opendir/readdir, without building a string per process.
enum ProcDirectory {
    /// Calls `body` for each process (numeric entry) of the proc root with its pid, the proc root's directory fd
    /// and the path `<pid>/<file>` relative to it, ready for `openat`; throws when the root cannot be listed.
    static func forEachProcess(
        in procRoot: String,
        file: StaticString,
        _ body: (Int32, Int32, UnsafePointer<CChar>) -> Void
    ) throws(MetricSourceError) {
        guard let directory = opendir(procRoot) else { throw .unreadable(procRoot, errno: errno) }
        defer { closedir(directory) }
        let fd = dirfd(directory)
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { path in
            while let entry = readdir(directory) {
                let name = UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: UInt8.self)
                guard let (pid, length) = processID(name) else { continue }
                var at = 0
                for i in 0..<length {
                    path[at] = CChar(bitPattern: name[i])
                    at += 1
                }
                path[at] = CChar(bitPattern: UInt8(ascii: "/"))
                at += 1
                for i in 0..<file.utf8CodeUnitCount {
                    path[at] = CChar(bitPattern: file.utf8Start[i])
                    at += 1
                }
                path[at] = 0
                body(pid, fd, UnsafePointer(path.baseAddress!))
            }
        }
    }

    /// The pid and name length of an all-digit entry name (at most 10 digits), nil for any other entry.
    private static func processID(_ name: UnsafePointer<UInt8>) -> (Int32, Int)? {
        var value: Int64 = 0
        var length = 0
        while name[length] != 0 {
            let digit = name[length] &- UInt8(ascii: "0")
            guard digit < 10, length < 10 else { return nil }
            value = value * 10 + Int64(digit)
            length += 1
        }
        guard length > 0, value <= Int64(Int32.max) else { return nil }
        return (Int32(value), length)
    }

    /// The entry names of the directory at `path` (without `.` and `..`), sorted; nil when it cannot be listed.
    static func entries(of path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        var names: [String] = []
        while let entry = readdir(directory) {
            let raw = UnsafeRawPointer(entry).advanced(by: nameOffset)
            let name = String(cString: raw.assumingMemoryBound(to: CChar.self))
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
