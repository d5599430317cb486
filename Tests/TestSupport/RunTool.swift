import Foundation

/// Runs a command-line tool to its end with `input` on its standard input (closed when nil); its exit status and
/// what it printed (standard output and error together). Blocking: from async tests, call it through `offPool`.
public func runTool(
    _ path: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil
) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let stdin = input.map { _ in Pipe() }
    process.standardInput = stdin ?? FileHandle.nullDevice
    try process.run()
    if let stdin, let input {
        // Written from a thread of its own, so a tool that answers before it has read everything cannot stall us.
        Thread {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }.start()
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
