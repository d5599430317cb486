import Foundation
import Synchronization

/// What a finished command printed and how it ended.
public struct CommandResult: Sendable {
    public var status: Int32
    public var output: String
    public var errors: String
    /// True when the deadline passed and the command was killed.
    public var timedOut: Bool
}

/// Runs a program to completion off the cooperative pool: standard input from a file (so a token or a binary is
/// streamed, never put in argv), both outputs read concurrently (no pipe deadlock), killed at the deadline.
public enum CommandRunner {
    public static func run(
        _ executable: String, _ arguments: [String], input: URL? = nil, timeout: Duration = .seconds(60)
    ) async throws -> CommandResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(executable, arguments, input: input, timeout: timeout) })
            }
        }
    }

    static func runBlocking(_ executable: String, _ arguments: [String], input: URL?, timeout: Duration) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let inputHandle = try input.map { try FileHandle(forReadingFrom: $0) }
        process.standardInput = inputHandle ?? FileHandle.nullDevice
        defer { try? inputHandle?.close() }
        try process.run()
        let group = DispatchGroup()
        let collected = Mutex<[Int: Data]>([:])
        for (index, pipe) in [out, err].enumerated() {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.withLock { $0[index] = data }
                group.leave()
            }
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        var timedOut = false
        if group.wait(timeout: .now() + seconds) == .timedOut {
            timedOut = true
            process.terminate()
            _ = group.wait(timeout: .now() + 5)
        }
        process.waitUntilExit()
        let (outData, errData) = collected.withLock { ($0[0] ?? Data(), $0[1] ?? Data()) }
        return CommandResult(
            status: process.terminationStatus, output: String(decoding: outData, as: UTF8.self),
            errors: String(decoding: errData, as: UTF8.self), timedOut: timedOut)
    }

    /// The path of `name` on PATH, or nil.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
