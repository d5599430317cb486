import Foundation
import Testing

@testable import Spec

/// `${VAR}` and `${VAR:-default}`, missing variables, and secrets that must never be printed.
@Suite struct EnvSubstitutionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var environment: [String: String]
        var expected: String
        var missing: [String] = []
        var testDescription: String { text }
    }

    static let cases: [Case] = [
        Case(text: "plain", environment: [:], expected: "plain"),
        Case(text: "${A}", environment: ["A": "1"], expected: "1"),
        Case(text: "x-${A}-${B}-y", environment: ["A": "1", "B": "2"], expected: "x-1-2-y"),
        Case(text: "${A:-fallback}", environment: [:], expected: "fallback"),
        Case(text: "${A:-fallback}", environment: ["A": ""], expected: "fallback"),
        Case(text: "${A:-fallback}", environment: ["A": "set"], expected: "set"),
        Case(text: "${A:-}", environment: [:], expected: ""),
        Case(text: "${A}", environment: ["A": ""], expected: ""),
        Case(text: "${MISSING}", environment: [:], expected: "", missing: ["MISSING"]),
        Case(text: "$${A}", environment: ["A": "1"], expected: "${A}"),
        Case(text: "cost: $5", environment: [:], expected: "cost: $5"),
    ]

    @Test(arguments: cases)
    func substitutes(_ testCase: Case) {
        let result = EnvSubstitution.apply(testCase.text, environment: testCase.environment)
        #expect(result.text == testCase.expected)
        #expect(result.missing == testCase.missing)
        #expect(result.malformed == nil)
    }

    @Test(arguments: ["${", "${A", "${1A}", "${A B}", "${}"])
    func malformedReferencesAreReported(_ text: String) {
        #expect(EnvSubstitution.apply(text, environment: [:]).malformed != nil)
    }

    @Test func aMissingVariableIsAnErrorNamingItAndTheKeyPath() throws {
        let yaml = specYAML("hub:\n  state: ${SMS_REDIS_URL}\n")
        let result = SpecLoader.load(yaml: yaml, file: "env.yaml")
        let error = try #require(result.errors.first)
        #expect(result.errors.count == 1)
        #expect(error.path == "hub.state" && error.line == 7 && error.column == 10)
        #expect(error.message.contains("SMS_REDIS_URL"))
    }

    @Test func substitutionHappensBeforeTypeChecks() throws {
        let yaml = specYAML("hub:\n  grpc_port: ${PORT:-6000}\n  http_port: ${HTTP}\n")
        let spec = try #require(SpecLoader.load(yaml: yaml, file: "env.yaml", environment: ["HTTP": "7000"]).spec)
        #expect(spec.hub.grpcPort == 6000 && spec.hub.httpPort == 7000)
        let bad = SpecLoader.load(yaml: yaml, file: "env.yaml", environment: ["HTTP": "seven"])
        // The message quotes what the file says, not what the environment held.
        #expect(bad.errors.first?.message == "expected an integer 1–65535, got \"${HTTP}\"")
    }

    @Test("a bad value from the environment is quoted as the file writes it, for every kind of key", arguments: [
        ("hub:\n  host: ${V}\n", "v@l u$e"),
        ("hub:\n  host: 10.0.0.1\nmachines:\n  - { id: r1, host: 10.0.0.2, ssh: \"${V}\" }\n", "not a host/at all"),
        ("hub:\n  host: 10.0.0.1\nmachines:\n  - { id: r1, host: 10.0.0.2, ssh: { to: r1, prefix: \"${V}\" } }\n", "relative/prefix"),
        ("hub:\n  host: 10.0.0.1\nmachines:\n  - { id: r1, host: 10.0.0.2, ssh: true, runtime: docker, image: \"${V}\" }\n", "bad image $x"),
    ])
    func environmentValuesAreNeverQuoted(extra: String, value: String) {
        let yaml = "version: 1\nname: env\n" + extra + (extra.contains("machines:") ? "" : "machines:\n  - { id: m, host: localhost }\n")
        let result = SpecLoader.load(yaml: yaml, file: "env.yaml", environment: ["V": value])
        #expect(!result.errors.isEmpty, "\(yaml) should be refused")
        #expect(!result.diagnostics.contains { $0.description.contains(value) }, "\(result.diagnostics)")
    }

    /// Every place a secret can come from, each set to a value that must never be printed.
    static let secretYAML = """
        version: 1
        name: secrets
        hub:
          state: redis://${REDIS_AUTH}@10.0.0.6:6379/0
        machines:
          - id: mcrn
            host: localhost
            token: ${MCRN_TOKEN}
        notify:
          - name: ops
            webhook: https://hooks.example.com/${HOOK_PATH}
            headers: { Authorization: "Bearer ${HOOK_TOKEN}" }
        edges:
          - name: public
            url: wss://edge.example.org/ws
            token: ${EDGE_TOKEN}
            machines: [mcrn, nfrt]
        """
    static let secrets = [
        "MCRN_TOKEN": "s3cr3t-mcrn-value", "HOOK_TOKEN": "s3cr3t-hook-value", "EDGE_TOKEN": "s3cr3t-edge-value",
    ]

    @Test func secretValuesNeverAppearInDiagnosticsJSONOrDescriptions() throws {
        let environment = Self.secrets.merging(["REDIS_AUTH": ":pw", "HOOK_PATH": "sms"]) { a, _ in a }
        // One error (unknown machine nfrt) so diagnostics are printed; the spec itself loads without it.
        let result = SpecLoader.load(yaml: Self.secretYAML, file: "secrets.yaml", environment: environment)
        #expect(result.errors.count == 1)
        let valid = SpecLoader.load(
            yaml: Self.secretYAML.replacingOccurrences(of: "[mcrn, nfrt]", with: "[mcrn]"), file: "secrets.yaml",
            environment: environment)
        let spec = try #require(valid.spec)
        #expect(spec.machines[0].token.value == "s3cr3t-mcrn-value")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let printed = [
            String(decoding: try encoder.encode(spec), as: UTF8.self), String(describing: spec), "\(spec)",
            String(reflecting: spec.machines[0].token), spec.machines[0].token.description,
            result.diagnostics.map(\.description).joined(), valid.diagnostics.map(\.description).joined(),
            String(decoding: try encoder.encode(result.diagnostics), as: UTF8.self),
        ]
        for text in printed {
            for secret in Self.secrets.values { #expect(!text.contains(secret), "leaked in: \(text.prefix(200))") }
        }
    }

    @Test func aWrongTypeFromTheEnvironmentIsReportedWithoutItsValue() {
        let yaml = specYAML("edges:\n  - name: e\n    url: ${EDGE_URL}\n    token: ${T:-x}\n    machines: [mcrn]\n")
        let result = SpecLoader.load(yaml: yaml, file: "e.yaml", environment: ["EDGE_URL": "https://s3cr3t"])
        #expect(result.errors.count == 1)
        #expect(result.errors.allSatisfy { !$0.message.contains("s3cr3t") })
    }
}
