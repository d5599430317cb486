import ArgumentParser
import Foundation

/// Asks before a step that loses something, like `terraform apply`: on a terminal, only `yes` goes on; without one
/// (a script, CI, a pipe) nothing is asked and the step is refused unless `--yes` was given.
enum Confirmation {
    /// True to go on. Throws `ExitCode(1)`, having said why and what to do, when there is no terminal to ask on.
    static func granted(_ question: String, yes: Bool, action: String) throws -> Bool {
        if yes { return true }
        guard isatty(STDIN_FILENO) == 1 else {
            FileHandle.standardError.write(Data(
                "smsctl: refusing to \(action) without a terminal to confirm on; run again with --yes to go on\n".utf8))
            throw ExitCode(1)
        }
        print("\(question) Type yes to go on: ", terminator: "")
        fflush(nil)
        let answer = readLine()?.trimmingCharacters(in: .whitespaces) ?? ""
        if answer.lowercased() == "yes" { return true }
        print(answer.isEmpty ? "Only yes goes on (or run with --yes)." : "Only yes goes on, not \"\(answer.prefix(20))\" (or run with --yes).")
        return false
    }
}
