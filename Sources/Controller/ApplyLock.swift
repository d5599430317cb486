import Services
import SMSCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One `smsctl apply` or `down` at a time per state directory: two would start the hub twice.
///
/// An advisory `flock` on `run/controller.lock`, released by the kernel when the process ends, so a crashed
/// apply never leaves a stale lock behind.
public final class ApplyLock: Sendable {
    private let fd: Int32

    /// Takes the lock or throws naming the lock file.
    public init(state: StateDirectory) throws {
        try FileManager.default.createDirectory(at: state.run, withIntermediateDirectories: true)
        let path = state.run.appendingPathComponent("controller.lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ControllerError("cannot open \(path) (\(String(cString: strerror(errno)))); check its permissions")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ControllerError(
                "another smsctl apply or down is working on \(state.url.path) (it holds \(path)); "
                    + "wait for it to finish and try again")
        }
        self.fd = fd
    }

    deinit { close(fd) }
}
