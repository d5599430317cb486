import Foundation
import Spec

/// The bearer token of each machine: from the spec (`${ENV}`, `token_file`, literal) or generated on first apply.
public enum MachineTokens {
    /// The token `machine` must present, or nil when none is known yet (a generated one not created).
    public static func token(for machine: Machine, state: StateDirectory) -> String? {
        if let value = machine.token.value, !value.isEmpty { return value }
        guard case .generated = machine.token.source else { return nil }
        return read(state.tokenFile(machine: machine.id))
    }

    /// Creates the missing generated tokens (mode 0600); returns the machine ids that got a new one.
    @discardableResult
    public static func ensureGenerated(for spec: Spec, state: StateDirectory) throws -> [String] {
        try FileManager.default.createDirectory(at: state.secrets, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        var created: [String] = []
        for machine in spec.machines where machine.token.source == .generated {
            let file = state.tokenFile(machine: machine.id)
            if read(file) != nil { continue }
            try write(randomToken(), to: file)
            created.append(machine.id)
        }
        return created
    }

    /// Reads a token file, trimmed; nil when missing or empty.
    public static func read(_ url: URL) -> String? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    /// Writes a secret readable only by its owner (created 0600 before any byte is written).
    public static func write(_ token: String, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path]) }
        defer { close(fd) }
        let bytes = Array((token + "\n").utf8)
        guard bytes.withUnsafeBytes({ Foundation.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        fchmod(fd, 0o600)
    }

    /// 32 random bytes from the system's generator, hex.
    public static func randomToken() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
    }
}
