import Foundation

/// A small tmpfs mounted on a folder of the test's (root only), to run out of disk space for real; `fill()` takes
/// every free byte, `free()` gives them back, `unmount()` removes it (call it in a `defer`).
public struct TinyDisk {
    public let path: String
    private var filler: String { path + "/.filler" }

    /// Mounts `bytes` of tmpfs on `path`, creating the folder.
    public init(path: String, bytes: Int) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let result = try runCommand("/bin/mount", ["-t", "tmpfs", "-o", "size=\(bytes),mode=0755", "sms-test-tiny", path], in: "/")
        guard result.status == 0 else { throw TestServerError("cannot mount a tmpfs on \(path) (root needed): \(result.output)") }
    }

    /// Writes a filler file until the file system refuses: from then on every write that needs a new page fails
    /// with ENOSPC.
    public func fill() {
        let fd = open(filler, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x5a, count: 4096)
        while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        // Whatever is left below a page.
        while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, 1) }) > 0 {}
    }

    /// Gives the filler's space back.
    public func free() { unlink(filler) }

    public func unmount() { _ = try? runCommand("/bin/umount", ["-l", path], in: "/") }
}
