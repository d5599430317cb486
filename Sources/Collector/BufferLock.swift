import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive `flock(2)` on a buffer's `lock` file, held for as long as its collector runs: two collectors
/// appending to one buffer would number different batches alike and the hub would refuse the stream. The kernel
/// releases the lock when the process ends, however it ends.
final class BufferLock: Sendable {
    private let fd: Int32

    struct Held: Error, CustomStringConvertible {
        let directory: String
        let holder: String
        var description: String {
            "another collector is using the buffer \(directory)\(holder.isEmpty ? "" : " (pid \(holder))"); stop it first, or give this one its own --buffer-dir"
        }
    }

    init(directory: URL) throws {
        let path = directory.appendingPathComponent("lock").path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var bytes = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &bytes, bytes.count, 0)
            close(fd)
            let holder = String(decoding: bytes.prefix(max(0, n)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Held(directory: directory.path, holder: holder)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
    }

    deinit { close(fd) }
}
