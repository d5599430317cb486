import Foundation
import Yams

/// What loading a spec produced: the model when there is no error, and every problem found, in file order.
public struct SpecLoadResult: Sendable {
    /// The spec with defaults applied and secrets resolved; nil when any diagnostic is an error.
    public var spec: Spec?
    /// Every problem found, errors and warnings, sorted by line and column.
    public var diagnostics: [Diagnostic]
    /// The file name as given by the caller; it prefixes every diagnostic.
    public var file: String
    /// The absolute directory that holds the spec: relative `token_file` and `data_dir` paths start here.
    public var baseDirectory: String
    /// True when the file could not be read at all (missing, a directory, no permission): `smsctl` exits 2.
    public var isUnreadable: Bool

    public init(
        spec: Spec?, diagnostics: [Diagnostic], file: String, baseDirectory: String, isUnreadable: Bool = false
    ) {
        self.spec = spec
        self.diagnostics = diagnostics
        self.file = file
        self.baseDirectory = baseDirectory
        self.isUnreadable = isUnreadable
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
}

/// Thrown by `SpecLoader.loadOrThrow` when a spec has errors; prints the diagnostics one per line.
public struct SpecError: Error, CustomStringConvertible, Sendable {
    public var diagnostics: [Diagnostic]
    public init(diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Reads a spec file, refuses hostile input, parses YAML, decodes the model and validates it.
public enum SpecLoader {
    /// Reads, guards, parses, decodes, validates. Never throws; never crashes on hostile input.
    public static func load(
        file path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> SpecLoadResult {
        let base = baseDirectory(of: path)
        switch InputGuards.readFile(path) {
        case .success(let text):
            return load(yaml: text, file: path, environment: environment, baseDirectory: base)
        case .failure(let refusal):
            return SpecLoadResult(
                spec: nil, diagnostics: [refusal.diagnostic(file: path)], file: path, baseDirectory: base,
                isUnreadable: refusal.isUnreadable)
        }
    }

    /// Loads a spec from text; `file` names it in diagnostics and its directory anchors relative paths.
    public static func load(yaml: String, file: String, environment: [String: String] = [:]) -> SpecLoadResult {
        load(yaml: yaml, file: file, environment: environment, baseDirectory: baseDirectory(of: file))
    }

    /// For services: throws `SpecError` (the diagnostics, one per line) when there is any error.
    public static func loadOrThrow(
        file path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Spec {
        let result = load(file: path, environment: environment)
        guard let spec = result.spec, !result.hasErrors else { throw SpecError(diagnostics: result.errors) }
        return spec
    }

    /// The pipeline shared by both entry points: guard, compose, read, resolve secrets, validate.
    static func load(yaml: String, file: String, environment: [String: String], baseDirectory: String)
        -> SpecLoadResult
    {
        func finish(_ spec: Spec?, _ diagnostics: [Diagnostic]) -> SpecLoadResult {
            let sorted = diagnostics.enumerated().sorted { a, b in
                (a.element.line, a.element.column, a.offset) < (b.element.line, b.element.column, b.offset)
            }.map(\.element)
            let failed = sorted.contains { $0.severity == .error }
            return SpecLoadResult(
                spec: failed ? nil : spec, diagnostics: sorted, file: file, baseDirectory: baseDirectory)
        }
        let guardProblems = InputGuards.check(yaml, file: file)
        if !guardProblems.isEmpty { return finish(nil, guardProblems) }
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                return finish(nil, [Diagnostic(file: file, line: 1, column: 1, path: "", message: "the spec is empty")])
            }
            root = composed
        } catch {
            return finish(nil, [InputGuards.diagnostic(for: error, file: file)])
        }
        var reader = SpecReader(file: file, environment: environment, baseDirectory: baseDirectory)
        guard let spec = reader.readSpec(root) else { return finish(nil, reader.diagnostics) }
        var validator = SpecValidator(spec: spec, reader: reader)
        validator.validate()
        return finish(validator.spec, validator.diagnostics)
    }

    /// The absolute directory holding `path`.
    static func baseDirectory(of path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
    }
}
