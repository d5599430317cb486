import Foundation

/// Runs a program to completion in `directory`, returning its exit status and its stdout and stderr together.
/// Throws when the program cannot be started; `hint` says what to install.
func runCommand(_ program: String, _ arguments: [String], in directory: String, hint: String = "")
    throws -> (status: Int32, output: String)
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    do {
        try process.run()
    } catch {
        throw TestServerError("cannot run \(program) (\(error))\(hint.isEmpty ? "" : "; \(hint)")")
    }
    let text = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: text, as: UTF8.self))
}
