import Foundation
import Testing

@testable import Spec

/// Every example topology in `specs/` is valid on a fresh machine (no environment variables set).
@Suite struct ExampleSpecTests {
    static let examples: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.specsDirectory.path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
    }()

    @Test func thereAreExamples() {
        #expect(Self.examples.contains("home.yaml"))
        #expect(Self.examples.count >= 3)
    }

    @Test(arguments: examples)
    func exampleIsValid(_ name: String) throws {
        let result = SpecLoader.load(file: Fixtures.specsDirectory.appendingPathComponent(name).path, environment: [:])
        #expect(result.errors.isEmpty, "\(result.errors.map(\.description))")
        let spec = try #require(result.spec)
        #expect(spec.alerts.contains { $0.name == AlertRule.machineDownName })
    }

    @Test func homeIsTheOriginalTopology() throws {
        let path = Fixtures.specsDirectory.appendingPathComponent("home.yaml").path
        let result = SpecLoader.load(file: path, environment: [:])
        let spec = try #require(result.spec)
        #expect(spec.name == "home")
        #expect(
            spec.hub == Hub(host: "192.168.1.20", grpcPort: 50051, httpPort: 8080, state: .embedded, history: .embedded))
        #expect(spec.hubBindAddress == "0.0.0.0" && spec.hubHost(dialedBy: spec.machines[0]) == "127.0.0.1")
        #expect(spec.machines.map(\.id) == ["mcrn", "nfrt"])
        #expect(spec.machines[0].isLocal && spec.machines[0].labels == ["role": "workstation"])
        #expect(spec.machines[1].host == "192.168.1.11" && spec.machines[1].interval == .seconds(5))
        #expect(spec.alerts.map(\.name) == ["cpu_high", "memory_high", "disk_full", "machine_down"])
        #expect(spec.alerts[2].labels == ["mount": "/"])
        #expect(spec.notify.map(\.webhook) == ["https://hooks.example.com/sms"])
        #expect(spec.edges.first?.token.source == .env("SMS_EDGE_TOKEN"))
        // Without SMS_EDGE_TOKEN the spec is valid, with exactly one warning saying what to set.
        #expect(result.warnings.count == 1)
        #expect(result.warnings.first?.message.contains("SMS_EDGE_TOKEN") == true)
        let withToken = SpecLoader.load(file: path, environment: ["SMS_EDGE_TOKEN": "t0ken"])
        #expect(withToken.diagnostics.isEmpty)
    }
}
