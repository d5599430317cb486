import Services
import SMSCore
import Foundation

/// `run/<role>.pid`: the pid on the first line (what `kill $(head -1 hub.pid)` expects), then `key=value` lines
/// with the process's start time, so a pid the kernel gave to another process later is never mistaken for ours.
public struct PidRecord: Sendable, Equatable {
    public var pid: Int32
    /// Clock ticks after boot (`/proc/<pid>/stat` field 22): with the pid, identifies one process for good.
    public var startTicks: UInt64
    /// The spec hash and start-time config hash it was started with.
    public var specHash: String
    public var configHash: String
    public var startedAt: Date

    public init(pid: Int32, startTicks: UInt64, specHash: String, configHash: String, startedAt: Date = Date()) {
        self.pid = pid
        self.startTicks = startTicks
        self.specHash = specHash
        self.configHash = configHash
        self.startedAt = startedAt
    }

    /// The file's text.
    public var text: String {
        let date = ISO8601DateFormatter().string(from: startedAt)
        return
            "\(pid)\nstart_ticks=\(startTicks)\nspec_hash=\(specHash)\nconfig_hash=\(configHash)\nstarted_at=\(date)\n"
    }

    /// Parses the file's text; nil when the first line is not a pid.
    public init?(text: String) {
        let lines = text.split(separator: "\n").map(String.init)
        guard let first = lines.first, let pid = Int32(first.trimmingCharacters(in: .whitespaces)), pid > 0 else {
            return nil
        }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let eq = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        self.init(
            pid: pid, startTicks: fields["start_ticks"].flatMap { UInt64($0) } ?? 0,
            specHash: fields["spec_hash"] ?? "", configHash: fields["config_hash"] ?? "",
            startedAt: fields["started_at"].flatMap { ISO8601DateFormatter().date(from: $0) }
                ?? Date(timeIntervalSince1970: 0))
    }

    /// Reads `url`; nil when missing or unparsable.
    public static func read(_ url: URL) -> PidRecord? {
        (try? String(contentsOf: url, encoding: .utf8)).flatMap(PidRecord.init(text:))
    }

    /// Writes atomically.
    public func write(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url, options: .atomic)
    }

    /// True when this exact process still runs: same pid, same start time, not a zombie.
    public var isAlive: Bool {
        guard let stat = ProcStat.read(pid: pid), !stat.isZombie else { return false }
        return startTicks == 0 || stat.startTicks == startTicks
    }
}

/// The two fields of `/proc/<pid>/stat` the controller needs.
public struct ProcStat: Sendable, Equatable {
    public var state: Character
    public var startTicks: UInt64

    public var isZombie: Bool { state == "Z" || state == "X" }

    /// Parses the stat line; the command name (field 2) may hold spaces and parentheses, so fields are counted
    /// from the last `)`.
    public init?(line: String) {
        guard let close = line.lastIndex(of: ")") else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ")
        // After `)`: field 3 (state) is index 0, so field 22 (starttime) is index 19.
        guard fields.count > 19, let state = fields[0].first, let ticks = UInt64(fields[19]) else { return nil }
        self.state = state
        self.startTicks = ticks
    }

    /// `/proc/<pid>/stat`, nil when no such process.
    public static func read(pid: Int32) -> ProcStat? {
        (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)).flatMap(ProcStat.init(line:))
    }

    /// Seconds since boot of the system, for uptimes.
    public static var ticksPerSecond: Double { Double(sysconf(Int32(_SC_CLK_TCK))) }
}
