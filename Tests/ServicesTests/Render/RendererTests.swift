import Foundation
import Spec
import TestSupport
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// `smsctl render`: deterministic, matches the committed ctrl/, valid compose files, no secrets.
@Suite("Render", .serialized)
struct RendererTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let home = root.appendingPathComponent("specs/home.yaml").path

    func load(_ path: String, environment: [String: String] = [:]) throws -> Spec {
        let result = SpecLoader.load(file: path, environment: environment)
        guard let spec = result.spec, !result.hasErrors else { throw SpecError(diagnostics: result.diagnostics) }
        return spec
    }

    @Test("the same spec renders byte-identical files")
    func deterministic() throws {
        let spec = try load(Self.home)
        let outDir = Self.root.appendingPathComponent("ctrl").path
        #expect(Renderer.render(spec: spec, specFile: Self.home, outDir: outDir)
            == Renderer.render(spec: try load(Self.home), specFile: Self.home, outDir: outDir))
    }

    @Test("the committed ctrl/ is exactly what rendering specs/home.yaml writes")
    func committedMatches() throws {
        let outDir = Self.root.appendingPathComponent("ctrl")
        let files = Renderer.render(spec: try load(Self.home), specFile: Self.home, outDir: outDir.path)
        for file in files {
            let committed = try? String(contentsOf: outDir.appendingPathComponent(file.path), encoding: .utf8)
            #expect(committed == file.contents, "ctrl/\(file.path) is out of date: run smsctl render specs/home.yaml")
        }
        #expect(files.map(\.path).contains("collectors/nfrt.sh"))
        #expect(files.map(\.path).contains("collectors/mcrn.service"))
    }

    @Test("every example spec renders compose files that docker-compose accepts",
          arguments: ["home.yaml", "production.yaml", "lab.yaml"])
    func composeValid(specName: String) async throws {
        let specFile = Self.root.appendingPathComponent("specs/\(specName)").path
        guard FileManager.default.fileExists(atPath: specFile) else { return }
        let env = ["SMS_EDGE_TOKEN": "x", "SMS_PG_PASSWORD": "x", "SMS_NFRT_TOKEN": "x", "REDIS_PASSWORD": "x",
                   "PGPASSWORD": "x", "SMS_REDIS_PASSWORD": "x"]
        let spec = try load(specFile, environment: env.merging(ProcessInfo.processInfo.environment) { a, _ in a })
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("sms-render-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let out = tmp.appendingPathComponent("ctrl")
        try Renderer.write(Renderer.render(spec: spec, specFile: specFile, outDir: out.path), to: out)
        for compose in ["dev/compose.yaml", "edge/compose.yaml"] {
            let file = out.appendingPathComponent(compose)
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            // docker-compose takes a second or more: on a thread of its own, not one of the test pool's.
            let (status, output) = try await offPool { try Self.run(["docker-compose", "-f", file.path, "config", "-q"], environment: env) }
            #expect(status == 0, "docker-compose rejects \(specName) → \(compose):\n\(output)")
        }
    }

    @Test("with Redis and PostgreSQL the hub's roles become separate containers; embedded keeps one hub")
    func separateRoleContainers() throws {
        let production = Self.root.appendingPathComponent("specs/production.yaml").path
        let compose = Renderer.render(spec: try load(production), specFile: production, outDir: "/tmp/ctrl")
            .first { $0.path == "dev/compose.yaml" }!.contents
        for role in ["aggregator", "gateway", "alerts"] {
            #expect(compose.contains("\n  \(role):\n"), "no \(role) service")
            #expect(compose.contains("command: [\"run\", \"\(role)\", \"--spec\""))
        }
        #expect(!compose.contains("\n  hub:\n"))
        let home = Renderer.render(spec: try load(Self.home), specFile: Self.home, outDir: "/tmp/ctrl")
            .first { $0.path == "dev/compose.yaml" }!.contents
        #expect(home.contains("\n  hub:\n") && !home.contains("\n  gateway:\n"))
    }

    @Test("values in a model that bypassed validation still cannot start a line or expand in a unit")
    func renderedFilesQuoteEverything() throws {
        var machine = Machine(id: "nfrt", host: "192.168.1.11")
        machine.token = Secret(source: .file("nfrt.token\nExecStartPre=/bin/sh -c reboot\nrm -rf /"))
        let spec = Spec(name: "x", hub: Hub(host: "h%n$(reboot)"), machines: [machine])
        let files = Renderer.render(spec: spec, specFile: "/tmp/x/specs/x.yaml", outDir: "/tmp/x/ctrl")
        let script = try #require(files.first { $0.path == "collectors/nfrt.sh" }).contents
        let unit = try #require(files.first { $0.path == "collectors/nfrt.service" }).contents
        for text in [script, unit] {
            let lines = text.split(separator: "\n")
            #expect(!lines.contains { $0.hasPrefix("ExecStartPre") || $0.hasPrefix("rm -rf") }, "an injected line:\n\(text)")
        }
        let exec = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        #expect(exec.contains("h%%n$$(reboot)") && !exec.contains("h%n"), "\(exec)")
        #expect(script.contains("'h%n$(reboot):50051'"), "the shell sees the host as one quoted word")
    }

    @Test("no token value reaches any rendered file; notify channels' secrets are passed to the hub by name")
    func noSecrets() throws {
        let yaml = """
            version: 1
            name: secrets
            hub: { host: 10.0.0.1 }
            machines:
              - { id: a, host: 10.0.0.2, token: "${A_TOKEN}" }
              - { id: b, host: 10.0.0.3, token_file: b.token }
            edges:
              - { name: pub, url: "wss://e.example.org/ws", token: "${EDGE_TOKEN}", machines: [a] }
            notify:
              - name: mail
                email: { server: smtp.example.com, username: sms, password: "${SMTP_PASSWORD}", from: a@example.com, to: b@example.com }
              - name: pager
                pagerduty: { routing_key: "${PD_KEY}" }
            """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "file-secret-3333\n".write(to: dir.appendingPathComponent("b.token"), atomically: true, encoding: .utf8)
        try yaml.write(to: dir.appendingPathComponent("s.yaml"), atomically: true, encoding: .utf8)
        let spec = try load(dir.appendingPathComponent("s.yaml").path,
                            environment: ["A_TOKEN": "env-secret-1111", "EDGE_TOKEN": "edge-secret-2222",
                                          "SMTP_PASSWORD": "smtp-secret-4444", "PD_KEY": "pd-secret-5555"])
        let all = Renderer.render(spec: spec, specFile: dir.appendingPathComponent("s.yaml").path, outDir: dir.path)
            .map(\.contents).joined()
        for secret in ["env-secret-1111", "edge-secret-2222", "file-secret-3333", "smtp-secret-4444", "pd-secret-5555"] {
            #expect(!all.contains(secret), "\(secret) leaked into a rendered file")
        }
        #expect(all.contains("--token-env A_TOKEN"))
        #expect(all.contains("EDGE_TOKEN"))
        #expect(all.contains("      - SMTP_PASSWORD\n") && all.contains("      - PD_KEY\n"), "\(all)")
    }

    private static func run(_ argv: [String], environment: [String: String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, b in b }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
