import SMSCore

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps the collector's resident memory to the code it actually runs.
///
/// Start-up (argument parsing, the spec, the first connection) touches code the collector never runs again, and
/// the kernel faults file-backed code in with "fault-around" (64 KB at a time). After start-up the collector marks
/// its code mappings random-access and drops their pages; the ones it runs come back from the page cache
/// (measured on `sms-collector`: 26 MB of code resident at start, 13 MB after the drop; this kernel still maps
/// 64 KB around each fault, so scattered hot code keeps ~9 MB, see docs/benchmarks.md). Nothing is lost by this:
/// the pages are clean copies of files on disk.
public enum ResidentCode {
    /// Drops the pages of every executable, file-backed mapping (the code of the binary and of shared libraries),
    /// which the process never writes. The binary's data mappings (type metadata and the like, read at start-up)
    /// are only asked to be reclaimed (`MADV_PAGEOUT`): the kernel takes back their clean pages and leaves
    /// written ones (relocations) alone, where `MADV_DONTNEED` would bring back the file's unrelocated bytes.
    /// Returns the bytes of code mappings released.
    @discardableResult
    public static func trim() -> Int {
        #if os(Linux)
            guard let maps = fopen("/proc/self/maps", "r") else { return 0 }
            defer { fclose(maps) }
            var released = 0
            var line = [CChar](repeating: 0, count: 4096)
            while fgets(&line, Int32(line.count), maps) != nil {
                let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                let fields = text.split(separator: " ", omittingEmptySubsequences: true)
                // address perms offset dev inode path: file-backed (inode ≠ 0) mappings only.
                guard fields.count >= 6, fields[4] != "0", fields[5].hasPrefix("/"),
                    let dash = fields[0].firstIndex(of: "-"),
                    let start = UInt(fields[0][..<dash], radix: 16),
                    let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16), end > start,
                    let address = UnsafeMutableRawPointer(bitPattern: start)
                else { continue }
                let length = Int(end - start)
                if fields[1] == "r-xp" {
                    _ = madvise(address, length, MADV_RANDOM)
                    if madvise(address, length, MADV_DONTNEED) == 0 { released += length }
                } else if fields[1].hasPrefix("r"), fields[1].hasSuffix("p") {
                    _ = madvise(address, length, MADV_PAGEOUT)
                }
            }
            if released > 0 { evictOwnFileCache() }
            return released
        #else
            return 0
        #endif
    }

    #if os(Linux)
        /// Asks the kernel to drop the binary's own pages from the page cache that no process maps now. Fault-around
        /// maps only the neighbours of a faulting page that are in the page cache, and with the code marked random
        /// access a fault reads just its page; so after this, what comes back is the code the collector runs, not
        /// the 64 KB around each piece of it. Pages another process maps stay cached; shared libraries are left
        /// alone (their cache serves every process on the machine).
        private static func evictOwnFileCache() {
            let fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return }
            _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
            close(fd)
        }
    #endif
}
