import Foundation
import Testing

@testable import Spec

/// Hostile input is refused with one clear diagnostic, without crashing or expanding anything.
@Suite struct InputGuardTests {
    /// Nine levels of nine aliases each: a billion strings once expanded.
    static let aliasBomb: String = {
        var lines = ["version: 1", "name: bomb", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 {
            let aliases = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            lines.append("a\(level): &a\(level) [\(aliases)]")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test func aliasBombIsRefused() throws {
        let result = SpecLoader.load(yaml: Self.aliasBomb, file: "bomb.yaml")
        let error = try #require(result.errors.first)
        #expect(result.errors.count == 1)
        #expect(error.message.contains("expands to more than 100000 nodes"))
        #expect(error.line > 3)
    }

    @Test func aFiftyMebibyteFileIsRefusedBeforeReading() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("huge.yaml")
        try Data("version: 1\n".utf8).write(to: file)
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 50 << 20)  // sparse: 50 MiB on paper, nothing written
        try handle.close()
        let result = SpecLoader.load(file: file.path)
        #expect(result.errors.count == 1)
        #expect(result.errors.first?.message == "the spec is 50.0 MiB; specs larger than 1 MiB are refused")
        #expect(!result.isUnreadable)
    }

    @Test func aLargeStringIsRefusedToo() {
        let text = "version: 1\n# " + String(repeating: "x", count: 2 << 20) + "\n"
        #expect(
            SpecLoader.load(yaml: text, file: "big.yaml").errors.first?.message.contains("larger than 1 MiB") == true)
    }

    @Test func tenThousandNestedFlowSequencesAreRefused() throws {
        let text =
            "version: 1\nname: deep\nmachines: " + String(repeating: "[", count: 10_000)
            + String(repeating: "]", count: 10_000) + "\n"
        let error = try #require(SpecLoader.load(yaml: text, file: "deep.yaml").errors.first)
        #expect(error.message.contains("nesting is deeper than 64 levels"))
    }

    @Test func tenThousandNestedFlowMappingsAreRefused() throws {
        let text =
            "version: 1\nmachines: " + String(repeating: "{a: ", count: 10_000) + "1"
            + String(repeating: "}", count: 10_000) + "\n"
        let error = try #require(SpecLoader.load(yaml: text, file: "deep.yaml").errors.first)
        #expect(error.message.contains("nesting is deeper than 64 levels"))
    }

    @Test func tenThousandNestedBlockSequencesAreRefused() throws {
        // `- - - - x` nests block sequences without growing the file quadratically.
        let text = "version: 1\nname: deep\nmachines:\n" + String(repeating: "- ", count: 10_000) + "x\n"
        let error = try #require(SpecLoader.load(yaml: text, file: "deep.yaml").errors.first)
        #expect(error.message.contains("nesting is deeper than 64 levels"))
        #expect(error.path.count <= 61)
    }

    @Test func deeplyIndentedBlockMappingsAreRefused() throws {
        // 1,400 levels is as deep as indentation gets inside 1 MiB.
        var text = "version: 1\nname: deep\nmachines:\n"
        for level in 1...1_400 { text += String(repeating: " ", count: level) + "k:\n" }
        let error = try #require(SpecLoader.load(yaml: text, file: "deep.yaml").errors.first)
        #expect(error.message.contains("nesting is deeper than 64 levels"))
        #expect(error.line == 67)
    }

    @Test func duplicateKeysAreReportedAtTheSecondKey() throws {
        let text = specYAML("alerts:\n  - name: a\n    metric: cpu.count\n    warning: 1\n    warning: 2\n")
        let error = try #require(SpecLoader.load(yaml: text, file: "dup.yaml").errors.first)
        #expect(error.line == 10 && error.column == 5 && error.path == "alerts[0].warning")
        #expect(error.message == "duplicate key \"warning\" (first written on line 9)")
    }

    @Test(arguments: ["", "   \n", "# only a comment\n"])
    func anEmptySpecIsOneError(_ text: String) {
        let result = SpecLoader.load(yaml: text, file: "empty.yaml")
        #expect(result.errors.map(\.message) == ["the spec is empty"])
    }

    @Test(arguments: ["\u{0}\u{1}binary", "key: [unclosed", "a: b: c", "\t- tab", "*undefined", "&a [*a]"])
    func brokenYAMLIsOneErrorNotACrash(_ text: String) {
        let result = SpecLoader.load(yaml: text, file: "broken.yaml")
        #expect(result.hasErrors)
        #expect(result.spec == nil)
    }

    @Test func missingFilesAndDirectoriesAreUnreadable() throws {
        let missing = SpecLoader.load(file: "/nonexistent/spec.yaml")
        #expect(missing.isUnreadable && missing.errors.first?.message == "cannot read the spec: no such file")
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(SpecLoader.load(file: dir.path).isUnreadable)
    }

    @Test func invalidUTF8IsRefused() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("latin1.yaml")
        try Data([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]).write(to: file)
        #expect(SpecLoader.load(file: file.path).errors.first?.message == "the spec is not valid UTF-8 text")
    }

    @Test func loadOrThrowThrowsEveryErrorOnePerLine() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.yaml")
        try Data("version: 2\nname: Bad\nmachines: []\n".utf8).write(to: file)
        #expect(throws: SpecError.self) { try SpecLoader.loadOrThrow(file: file.path, environment: [:]) }
        do {
            _ = try SpecLoader.loadOrThrow(file: file.path, environment: [:])
        } catch let error as SpecError {
            #expect(error.diagnostics.count == 3)
            #expect(error.description.split(separator: "\n").count == 3)
            #expect(error.description.hasPrefix(file.path + ":1:10: error: version: unsupported version 2"))
        }
    }
}

/// An edge reached with `ws://` across the internet would carry every push in clear text.
@Suite("Edge URL encryption")
struct EdgeURLWarningTests {
    func warnings(_ url: String) -> [Diagnostic] {
        let yaml = """
            version: 1
            name: test
            machines:
              - id: mcrn
                host: localhost
            edges:
              - name: public
                url: \(url)
                token: ${EDGE_TOKEN}
                machines: [mcrn]
            """
        let result = SpecLoader.load(yaml: yaml, file: "edge.yaml", environment: ["EDGE_TOKEN": "t0ken-t0ken-t0ken-t0ken"])
        return result.diagnostics.filter { $0.path == "edges[0].url" }
    }

    @Test("ws:// to a public host warns at the url, naming wss://", arguments: [
        "ws://sysmonstm.example.org/push", "ws://203.0.113.7:8443/push", "WS://Edge.Example.COM/push",
    ])
    func publicPlaintextWarns(url: String) throws {
        let found = warnings(url)
        #expect(found.count == 1 && found.first?.severity == .warning, "\(found)")
        #expect(found.first?.message.contains("use wss://") == true)
        #expect(found.first?.line == 8 && found.first?.column == 10)
    }

    @Test("wss://, and ws:// inside a network, are quiet", arguments: [
        "wss://sysmonstm.example.org/push", "ws://192.168.1.30:8443/push", "ws://10.0.0.5/push", "ws://127.0.0.1:8443/push",
        "ws://edge.lan/push", "ws://edgebox/push", "ws://[::1]:8443/push", "ws://relay.home.arpa/push",
    ])
    func privateOrEncryptedIsQuiet(url: String) {
        #expect(warnings(url).isEmpty, "\(warnings(url))")
    }

    func tlsDiagnostics(_ hub: String) -> [Diagnostic] {
        let yaml = """
            version: 1
            hub:
            \(hub.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            machines:
              - id: mcrn
                host: localhost
            """
        return SpecLoader.load(yaml: yaml, file: "tls.yaml").diagnostics.filter { $0.path.hasPrefix("hub.tls") }
    }

    @Test("hub.tls off with the hub listening beyond loopback warns at hub.tls", arguments: [
        "tls: off\nbind: 0.0.0.0", "tls: false\nbind: 192.168.1.20", "tls: \"off\"\nbind: \"::\"", "tls: No\nbind: hub.lan",
    ])
    func plaintextBeyondLoopbackWarns(hub: String) {
        let found = tlsDiagnostics(hub)
        #expect(found.count == 1 && found.first?.severity == .warning, "\(found)")
        #expect(found.first?.message.contains("clear text") == true)
        #expect(found.first?.line == 3, "\(found)")
    }

    @Test("hub.tls off on loopback, auto, the default and own files are quiet", arguments: [
        "tls: off", "tls: off\nbind: 127.0.0.1", "tls: auto\nbind: 0.0.0.0", "tls: on\nbind: 0.0.0.0", "bind: 0.0.0.0",
        "tls: {cert: hub.pem, key: hub.key}\nbind: 0.0.0.0",
    ])
    func encryptedOrLoopbackIsQuiet(hub: String) {
        #expect(tlsDiagnostics(hub).isEmpty, "\(tlsDiagnostics(hub))")
    }

    @Test("hub.tls with another word is an error naming the choices", arguments: ["tls: letsencrypt", "tls: 1", "tls: required"])
    func unknownTLSWordIsAnError(hub: String) {
        let found = tlsDiagnostics(hub)
        #expect(found.count == 1 && found.first?.severity == .error, "\(found)")
        #expect(found.first?.message.contains("expected auto") == true && found.first?.column == 8, "\(found)")
    }

    @Test("edges[].ca is resolved against the spec's folder; a missing file is an error at the key")
    func edgeCA() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-edge-ca-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "-----BEGIN CERTIFICATE-----\n".write(to: dir.appendingPathComponent("edge-ca.pem"), atomically: true, encoding: .utf8)
        func load(_ ca: String) -> SpecLoadResult {
            let yaml = """
                version: 1
                name: t
                machines:
                  - id: mcrn
                    host: localhost
                edges:
                  - name: public
                    url: wss://edge.example.org/ws
                    token: ${EDGE_TOKEN}
                    machines: [mcrn]
                    ca: \(ca)
                """
            return SpecLoader.load(yaml: yaml, file: dir.appendingPathComponent("spec.yaml").path,
                                   environment: ["EDGE_TOKEN": "t0ken-t0ken-t0ken-t0ken"])
        }
        let good = load("edge-ca.pem")
        #expect(good.spec?.edges.first?.ca == dir.appendingPathComponent("edge-ca.pem").path, "\(good.diagnostics)")
        let bad = load("nowhere.pem").diagnostics.filter { $0.path == "edges[0].ca" }
        #expect(bad.count == 1 && bad.first?.severity == .error && bad.first?.line == 11, "\(bad)")
        #expect(bad.first?.message.contains("nowhere.pem") == true)
    }
}
