import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A cgroup of a test's own on this machine, with one process in it that holds a known amount of memory and keeps
/// a core busy: in each v1 controller a containers source reads (hybrid machines), or in the unified hierarchy.
/// `remove()` ends the process and removes the cgroup; call it in a `defer` so a failing test cleans up too.
/// Needs root; `available` says whether this machine lets the test make one.
public final class TestCgroup: @unchecked Sendable {
    /// The v1 controllers whose figures the source reads.
    public static let controllers = ["memory", "cpu", "cpuacct", "blkio", "pids"]
    public static let root = "/sys/fs/cgroup"

    /// The cgroup's path below the hierarchy root, `/sms-test-…`.
    public let path: String
    /// The folders made, one per controller (v1) or one (v2).
    public let folders: [String]
    public let process: Process
    private let output: Pipe

    /// True where a test may make cgroups: root, and a writable v1 memory hierarchy or a v2 one with memory.
    public static var available: Bool {
        guard getuid() == 0 else { return false }
        if FileManager.default.fileExists(atPath: root + "/memory/cgroup.procs") { return access(root + "/memory", W_OK) == 0 }
        let controllers = (try? String(contentsOfFile: root + "/cgroup.subtree_control", encoding: .utf8)) ?? ""
        return controllers.contains("memory") && controllers.contains("cpu")
    }

    /// Makes the cgroup and starts, inside it, a process that allocates and touches `megabytes` MiB, prints
    /// `ready`, then spins on one core for at most `seconds` (it ends by itself). Blocking: call through `offPool`.
    public init(name: String = "sms-test-\(UUID().uuidString.prefix(8).lowercased())", megabytes: Int, seconds: Int = 60) throws {
        path = "/" + name
        let v1 = FileManager.default.fileExists(atPath: Self.root + "/memory/cgroup.procs")
        folders = v1 ? Self.controllers.map { "\(Self.root)/\($0)\("/" + name)" } : [Self.root + "/" + name]
        for folder in folders { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false) }
        // The shell joins the cgroup first and then becomes python, so everything it allocates is charged there.
        let join = folders.map { "echo $$ > \($0)/cgroup.procs" }.joined(separator: " && ")
        let program = """
            import sys, time
            block = b"x" * (\(megabytes) << 20)
            print("ready", flush=True)
            end = time.time() + \(seconds)
            while time.time() < end:
                pass
            """
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(join) && exec python3 -c '\(program)'"]
        output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
            let line = output.fileHandleForReading.availableData
            guard String(decoding: line, as: UTF8.self).hasPrefix("ready") else {
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "the test's cgroup process did not start"])
            }
        } catch {
            remove()
            throw error
        }
    }

    /// The process's user plus system CPU time, in seconds, from /proc/PID/stat.
    public func cpuSeconds() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The process's anonymous resident memory (`RssAnon` of /proc/PID/status), in bytes.
    public func anonymousBytes() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return nil }
        return kilobytes * 1024
    }

    /// Ends the process (ours) and removes the cgroup's folders; safe to call twice. Blocking: waits for the exit.
    public func remove() {
        if process.isRunning {
            // SIGKILL: a test runner that ignores SIGTERM (as service-lifecycle tests make it) passes that on.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        for folder in folders {
            // A folder empties a moment after its last process is reaped; try for up to 5 s.
            let deadline = Date().addingTimeInterval(5)
            while rmdir(folder) != 0, errno == EBUSY, Date() < deadline { usleep(20_000) }
        }
    }
}
