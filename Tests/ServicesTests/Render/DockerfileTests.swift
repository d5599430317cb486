import Foundation
import Spec
import TestSupport
import Testing

@testable import Controller

/// The rendered Dockerfile builds from exactly what it copies, and the build context lets nothing else in.
@Suite("Render.Dockerfile")
struct DockerfileTests {
    static let root = RendererTests.root

    /// The sources of the build stage's `COPY` lines (not `COPY --from`), as written.
    static func copiedPaths() -> [String] {
        Renderer.dockerfile().split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            guard words.first == "COPY", words.count == 3, !words[1].hasPrefix("--") else { return nil }
            return words[1]
        }
    }

    @Test("the package loads in a folder holding only what the Dockerfile copies (no Tests/, no .build/)")
    func packageLoadsFromCopiedFiles() async throws {
        let copied = Self.copiedPaths()
        #expect(copied.first == "Package.swift" && copied.contains("Sources") && copied.contains("web"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-docker-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for path in copied {
            try FileManager.default.copyItem(at: Self.root.appendingPathComponent(path), to: dir.appendingPathComponent(path))
        }
        // `swift package describe` takes seconds: on a thread of its own, not one of the test pool's two.
        let (status, output) = try await offPool { try Self.runSwift(["package", "describe", "--type", "json"], in: dir) }
        #expect(status == 0, "swift package describe fails on the Dockerfile's files:\n\(output)")
        let description = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        let products = (description?["products"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(products.contains("smsctl") && products.contains("sms-collector"), "products: \(products)")
        #expect(Renderer.dockerfile().contains("--product smsctl") && Renderer.dockerfile().contains("--product sms-collector"))
    }

    @Test(".dockerignore lets in exactly what the Dockerfile copies, and never state directories or tokens")
    func dockerignoreMatchesCopies() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent(".dockerignore"), encoding: .utf8)
        let rules = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        #expect(rules.first == "*", "the context must start from nothing: .build/ alone is gigabytes")
        let allowed = Set(rules.filter { $0.hasPrefix("!") }.map { String($0.dropFirst()) })
        #expect(allowed == Set(Self.copiedPaths()), "let in: \(allowed.sorted()); copied: \(Self.copiedPaths())")
        // Re-excluded after the allow rules, so a state directory or token inside an allowed folder stays out.
        let lastAllow = rules.lastIndex { $0.hasPrefix("!") } ?? 0
        let after = Set(rules[(lastAllow + 1)...])
        #expect(after.contains("**/.sms") && after.contains("**/*.token"))
    }

    private static func runSwift(_ arguments: [String], in dir: URL) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["swift"] + arguments
        p.currentDirectoryURL = dir
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = p.terminationStatus == 0 ? data : errors
        return (p.terminationStatus, String(decoding: text, as: UTF8.self))
    }
}
