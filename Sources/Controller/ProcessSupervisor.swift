import Services
import SMSCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Starts role processes detached from the terminal and stops them gracefully.
///
/// A started process is in its own session (`setsid`), reads `/dev/null`, appends stdout and stderr to its log,
/// and inherits no other descriptor: closing the terminal or the `smsctl apply` that started it does not stop it.
public enum ProcessSupervisor {
    /// The running `smsctl` binary, resolved, so roles run the same build as the command that starts them.
    public static func currentExecutable() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// Starts `executable arguments…` detached with its output appended to `logFile`; returns its pid.
    public static func spawnDetached(executable: String, arguments: [String], logFile: URL) throws -> Int32 {
        try FileManager.default.createDirectory(
            at: logFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile.path, O_WRONLY | O_CREAT | O_APPEND, 0o640)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        for fd in openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGHUP, SIGINT, SIGTERM, SIGPIPE, SIGQUIT, SIGCHLD] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // glibc's POSIX_SPAWN_SETSID (0x80, glibc ≥ 2.26) is a macro Swift does not import.
        let flags = 0x80 | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else {
            throw ControllerError("cannot start \(executable) (\(String(cString: strerror(rc)))); is the binary there?")
        }
        return pid
    }

    /// The descriptors open in this process; the child closes them all but 0–2 (closefrom is not imported).
    static func openDescriptors() -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return names.compactMap { Int32($0) }.filter { fcntl($0, F_GETFD) != -1 }
    }

    /// Sends `signal` to the recorded process if it is still the same one; false when it is gone.
    @discardableResult
    public static func signal(_ record: PidRecord, _ signal: Int32) -> Bool {
        guard record.isAlive else { return false }
        return kill(record.pid, signal) == 0
    }

    /// How a stop went.
    public enum StopOutcome: Sendable, Equatable {
        case notRunning, stopped, killed
    }

    /// SIGTERM, up to `grace` for a clean exit (data flushed), then SIGKILL.
    public static func stop(_ record: PidRecord, grace: Duration = .seconds(10)) async -> StopOutcome {
        guard signal(record, SIGTERM) else { return .notRunning }
        if await waitGone(record, within: grace) { return .stopped }
        kill(record.pid, SIGKILL)
        _ = await waitGone(record, within: .seconds(3))
        return .killed
    }

    /// Polls until the process is gone, reaping it if it is our child; true when gone in time.
    public static func waitGone(_ record: PidRecord, within: Duration) async -> Bool {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            reap(record.pid)
            if !record.isAlive { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        reap(record.pid)
        return !record.isAlive
    }

    /// Collects the exit status of our own child so it does not linger as a zombie; harmless for others.
    static func reap(_ pid: Int32) {
        var status: Int32 = 0
        _ = waitpid(pid, &status, WNOHANG)
    }
}
