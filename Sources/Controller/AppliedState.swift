import Services
import SMSCore
import Foundation
import Spec

/// What the last successful `smsctl apply` put in force: `applied.json` in the state directory.
///
/// The spec is stored as its JSON model; `Secret` encodes only where a value comes from, so the file holds
/// no token and can be read by `plan` without the environment the spec was applied with.
public struct AppliedState: Codable, Sendable, Equatable {
    /// The spec file, absolute, as apply read it.
    public var specFile: String
    public var specHash: String
    /// Start-time hashes by role name (`hub`, `collector-mcrn`).
    public var roles: [String: String]
    public var appliedAt: Date
    public var spec: Spec
    /// The machines apply manages over ssh, as last installed (absent in files written before sms 0.2).
    public var managed: [String: ManagedMachine]?

    public init(specFile: String, spec: Spec, roles: [ControllerRole: String], appliedAt: Date = Date()) {
        self.specFile = specFile
        self.specHash = spec.hash
        self.roles = Dictionary(uniqueKeysWithValues: roles.map { ($0.key.name, $0.value) })
        self.appliedAt = appliedAt
        self.spec = spec
    }

    /// Reads `applied.json`; nil when it does not exist. A corrupt file is an error naming the file.
    public static func load(from state: StateDirectory) throws -> AppliedState? {
        let url = state.appliedSpec
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(AppliedState.self, from: Data(contentsOf: url))
        } catch {
            throw ControllerError(
                "cannot read \(url.path) (\(error)); move it aside and run smsctl apply again to recreate it")
        }
    }

    /// Writes `applied.json` atomically (a crash leaves the previous one intact).
    public func save(to state: StateDirectory) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try FileManager.default.createDirectory(at: state.url, withIntermediateDirectories: true)
        try encoder.encode(self).write(to: state.appliedSpec, options: .atomic)
    }
}

/// A controller failure a person reads: what failed, with what input, and what to do.
public struct ControllerError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
