import ArgumentParser
import Foundation
import Services
import Spec

#if canImport(Glibc)
    import Glibc
#endif

/// `smsctl passwd [--name N] [--role R]`: reads a password and prints its hash to paste into `hub.auth.users`.
struct PasswdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Hash a dashboard password for hub.auth.users in the spec.",
        discussion: HelpText.reflow(
            """
            On a terminal it asks for the password twice, without showing it; from a pipe or file it reads the
            first line of standard input. It prints only the hash (scrypt, random salt), never the password: the
            spec holds hashes, so it can be committed and shared without giving a login away.

            With --name, it prints a whole entry for the users list:
              $ smsctl passwd --name alice --role admin
              Password:
              Again:
              - { name: alice, password_hash: "scrypt$32768$8$1$…$…", role: admin }

            Paste it into the spec and apply (the hub reloads; no restart):
              hub:
                auth:
                  users:
                    - { name: alice, password_hash: "scrypt$…", role: admin }

            A viewer (the default role) sees everything; an admin can also make changes, such as silences.
            Without any users in the spec, apply prints a one-time link that logs in as admin and asks for a
            password instead.
            """))

    @Option(help: "The user's name (a-z, 0-9, _ and -): print a whole users entry, not the hash alone.")
    var name: String?

    @Option(help: "The role for the entry printed with --name: admin or viewer.")
    var role: UserRole = .viewer

    func validate() throws {
        if let name, !HubUser.isValidName(name) {
            throw ValidationError("--name: \"\(name.prefix(64))\" is not a valid name: use a-z, 0-9, _ and -, starting with a letter or digit")
        }
    }

    func run() throws {
        let password = try PasswordInput.read()
        if let weakness = PasswordHasher.weakness(of: password) {
            throw PasswdFailure("\(weakness); nothing was printed")
        }
        let hash = try PasswordHasher.hash(password)
        if let name {
            print("- { name: \(name), password_hash: \"\(hash)\", role: \(role.rawValue) }")
        } else {
            print(hash)
        }
    }
}

extension UserRole: ExpressibleByArgument {}

/// A failure of `passwd`: one line, exit 1.
struct PasswdFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads the password: twice without echo on a terminal, else the first line of standard input.
enum PasswordInput {
    static func read() throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            guard let line = readLine(strippingNewline: true) else {
                throw PasswdFailure("no password on standard input; pipe one line in, or run on a terminal")
            }
            return line.hasSuffix("\r") ? String(line.dropLast()) : line
        }
        let first = try prompt("Password: ")
        let second = try prompt("Again: ")
        guard first == second else { throw PasswdFailure("the two passwords differ; nothing was printed") }
        return first
    }

    /// Prompts on standard error (standard output carries only the hash) with echo off, restored afterwards.
    static func prompt(_ text: String) throws -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        let canHide = tcgetattr(STDIN_FILENO, &saved) == 0
        if canHide {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        }
        defer {
            if canHide { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw PasswdFailure("no password entered") }
        return line
    }
}
