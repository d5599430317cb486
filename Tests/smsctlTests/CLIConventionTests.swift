import Foundation
import Testing

/// One CLI convention, as a user meets it: `-o/--output` everywhere, the same default spec for every command,
/// a failure at run time in one line (exit 1), a bad invocation with the usage of the command run (exit 2), and
/// help paragraphs wrapped once.
@Suite("CLI conventions")
struct CLIConventionTests {
    @Test("a failure at run time is one line and exit 1, without usage text")
    func runtimeFailureIsOneLine() throws {
        let d = try ControllerDeployment()
        defer { d.cleanUp() }
        try d.write(d.yaml())
        let missing = try d.run(["bench", "history", d.dir.appendingPathComponent("no-such.sqlite").path], stateDir: false)
        #expect(missing.status == 1, "\(missing.err)")
        #expect(missing.err.contains("no such file") && !missing.err.contains("Usage"), "\(missing.err)")
        #expect(missing.err.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(missing.err)")
        let noToken = try d.run(["run", "collector", "--spec", d.spec.path, "--machine", "mcrn"], stateDir: false)
        #expect(noToken.status == 1 && noToken.err.contains("has no token yet") && !noToken.err.contains("Usage"), "\(noToken.err)")
    }

    @Test("a bad invocation shows the usage of the command that was run, exit 2")
    func badInvocationShowsItsOwnUsage() throws {
        let d = try ControllerDeployment()
        defer { d.cleanUp() }
        try d.write(d.yaml())
        let logs = try d.run(["logs", "nosuchrole", d.spec.path])
        #expect(logs.status == 2, "\(logs.err)")
        #expect(logs.err.contains("neither hub nor collector") && logs.err.contains("Usage: smsctl logs"), "\(logs.err)")
        #expect(!logs.err.contains("smsctl <subcommand>"), "\(logs.err)")
    }

    @Test("-o/--output on validate as on plan and status; silence finds the spec as status does")
    func oneConvention() throws {
        let d = try ControllerDeployment()
        defer { d.cleanUp() }
        try d.write(d.yaml())
        for flag in ["-o", "--output", "--format"] {
            let validate = try d.run(["validate", d.spec.path, flag, "json"], stateDir: false)
            #expect(validate.status == 0 && validate.out.hasPrefix("{"), "\(flag): \(validate.out) \(validate.err)")
        }
        // In the folder that holds specs/home.yaml, silence needs no --spec, like status, down and logs.
        try FileManager.default.copyItem(at: d.spec, to: d.dir.appendingPathComponent("specs/home.yaml"))
        let list = try d.run(["silence", "list"], stateDir: false)
        #expect(list.status == 0, "\(list.out)\n\(list.err)")
        // A silence added there is shown by status, which finds the same state directory.
        let add = try d.run(["silence", "add", "--machine", "mcrn", "--for", "2h", "--reason", "disk swap"], stateDir: false)
        #expect(add.status == 0, "\(add.out)\n\(add.err)")
        let status = try d.run(["status", "-o", "json"], stateDir: false)
        let json = try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any]
        let silences = json?["silences"] as? [[String: Any]] ?? []
        #expect(silences.map { $0["machine"] as? String } == ["mcrn"] && silences.first?["reason"] as? String == "disk swap", "\(status.out)")
    }

    @Test("help paragraphs are wrapped once: no short line in the middle of a paragraph", arguments: [
        ["apply"], ["down"], ["plan"], ["status"], ["run"], ["run", "hub"], ["rotate-token"], ["render"], ["ack"],
    ])
    func helpIsWrappedOnce(command: [String]) throws {
        let d = try ControllerDeployment()
        defer { d.cleanUp() }
        let help = try d.run(command + ["--help"], stateDir: false).out
        let text = help.components(separatedBy: "USAGE:")[0]
        for paragraph in text.components(separatedBy: "\n\n") {
            let lines = paragraph.split(separator: "\n").map(String.init)
            for (line, next) in zip(lines, lines.dropFirst()) where !line.hasPrefix("  ") && !next.hasPrefix("  ") {
                #expect(line.count >= 55, "\(command): a ragged line \"\(line)\" before \"\(next)\"")
            }
        }
    }
}
