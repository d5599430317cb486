import Foundation
import Testing

@testable import Spec

/// Finds the copied `Fixtures` folder in the test bundle, and the repository's `specs/` folder.
enum Fixtures {
    static let root: URL = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    /// Names of the files in a fixture folder (`bad`, `good`) ending in `suffix`, sorted.
    static func names(in folder: String, suffix: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: url(folder).path)) ?? []
        return files.filter { $0.hasSuffix(suffix) }.sorted()
    }

    /// Loads `folder/name` with `environment`; the diagnostics carry the bare file name.
    static func load(_ folder: String, _ name: String, environment: [String: String] = [:]) -> SpecLoadResult {
        SpecLoader.load(file: url("\(folder)/\(name)").path, environment: environment)
    }

    /// The repository's `specs/` folder, found from this source file (Tests/SpecTests/…).
    static let specsDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("specs")

    /// A fresh temporary directory for a test's files.
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-spec-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// A short spec around the given YAML lines, for tests that build their input inline.
func specYAML(_ extra: String = "", machines: String = "machines:\n  - id: mcrn\n    host: localhost\n") -> String {
    "version: 1\nname: test\n" + machines + extra
}
