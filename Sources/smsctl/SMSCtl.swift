import ArgumentParser
import Foundation
import SMSCore

/// `smsctl`: one binary for every sms role and command. The root only lists subcommands.
@main
struct SMSCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smsctl",
        abstract: "Real-time system monitoring driven by one YAML spec.",
        version: SMSVersion.description,
        subcommands: [
            ValidateCommand.self,
            RenderCommand.self,
            RunCommand.self,
            PlanCommand.self,
            ApplyCommand.self,
            StatusCommand.self,
            DownCommand.self,
            LogsCommand.self,
            CollectorCmdCommand.self,
            SilenceCommand.self,
            AckCommand.self,
            RotateTokenCommand.self,
            PasswdCommand.self,
            BenchCommand.self,
        ]
    )

    /// ArgumentParser exits 64 on a usage error; smsctl exits 2, like most Unix tools, so scripts can tell
    /// "bad invocation or unreadable file" (2, with the usage of the command run) from a failure at run time
    /// ("invalid spec", "nothing applied yet": 1, one line saying what to do).
    static func main() async {
        var parsed: (any ParsableCommand.Type)?
        do {
            var command = try parseAsRoot()
            parsed = type(of: command)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ValidationError where parsed != nil {
            // A bad invocation found while running: the usage of the command that was run, not the root's.
            let usage = usageString(for: parsed!).trimmingCharacters(in: .whitespacesAndNewlines)
            FileHandle.standardError.write(Data("Error: \(error.message)\n\(usage)\n  See --help for more.\n".utf8))
            Foundation.exit(2)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                if code == .success {
                    print(message)
                } else {
                    FileHandle.standardError.write(Data((message + "\n").utf8))
                }
            }
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
