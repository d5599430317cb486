import SMSCore

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps the collector's resident memory to the code it actually runs.
///
/// `smsctl` is one binary for every role, so the collector maps ~60 MB of code of which it runs a small part. The
/// kernel faults file-backed code in with "fault-around" (64 KB at a time), so scattered code drew ~27 MB of it
/// into RSS. After start-up the collector marks its code mappings random-access (no fault-around, no read-ahead)
/// and drops their pages: the ones it uses come back 4 KB at a time from the page cache. Nothing is lost by this:
/// the pages are clean copies of files on disk.
public enum ResidentCode {
    /// Applies to every executable, file-backed mapping (the code of the binary and of shared libraries), which
    /// the process never writes. (Read-only data is left alone: relocation wrote some of it, and dropping those
    /// pages would bring back the file's unrelocated bytes.) Returns the bytes of mappings released.
    @discardableResult
    public static func trim() -> Int {
        #if os(Linux)
            guard let maps = fopen("/proc/self/maps", "r") else { return 0 }
            defer { fclose(maps) }
            var released = 0
            var line = [CChar](repeating: 0, count: 4096)
            while fgets(&line, Int32(line.count), maps) != nil {
                let text = String(cString: line)
                let fields = text.split(separator: " ", omittingEmptySubsequences: true)
                // address perms offset dev inode path: file-backed (inode ≠ 0) code only.
                guard fields.count >= 6, fields[4] != "0", fields[5].hasPrefix("/"), fields[1] == "r-xp",
                    let dash = fields[0].firstIndex(of: "-"),
                    let start = UInt(fields[0][..<dash], radix: 16),
                    let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16), end > start
                else { continue }
                guard let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
                let length = Int(end - start)
                _ = madvise(address, length, MADV_RANDOM)
                if madvise(address, length, MADV_DONTNEED) == 0 { released += length }
            }
            return released
        #else
            return 0
        #endif
    }
}
