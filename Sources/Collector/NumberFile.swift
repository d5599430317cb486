import SMSCore
import Foundation

/// A file holding one number (the buffer's acknowledged seq, its epoch), rewritten in place: one `pwrite(2)` of a fixed-width
/// line into a descriptor kept open, without fsync. It changes every second; Foundation's atomic write (a temp
/// file, an fsync and a rename each time) was a fifth of the collector's CPU. A lost or torn write only means a
/// replay the hub deduplicates.
final class NumberFile: @unchecked Sendable {
    // @unchecked: used under the owner's lock.
    private let fd: Int32

    init(url: URL) throws {
        fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit { close(fd) }

    /// The number stored, or 0 when the file is empty or unreadable.
    func read() -> UInt64 {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return 0 }
        let text = String(decoding: buffer[..<n], as: UTF8.self)
        return UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines.union(.controlCharacters))) ?? 0
    }

    /// Stores `value` as 20 zero-padded digits and a newline, always the same length, so no truncate is needed;
    /// false when the write failed. Once the file holds a line, rewriting it needs no new disk space.
    @discardableResult
    func write(_ value: UInt64) -> Bool {
        let digits = String(value)
        let line = Array((String(repeating: "0", count: max(0, 20 - digits.count)) + digits + "\n").utf8)
        return line.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } == line.count
    }

    /// `write`, then fsync, failing loudly: for a number that must not be lost (the buffer's epoch).
    func writeDurably(_ value: UInt64) throws {
        write(value)
        guard fsync(fd) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}
