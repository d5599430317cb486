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
            RotateTokenCommand.self,
            BenchCommand.self,
        ]
    )

    /// ArgumentParser exits 64 on a usage error; smsctl exits 2, like most Unix tools, so scripts can tell
    /// "bad invocation or unreadable file" (2) from "invalid spec" (1).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
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
