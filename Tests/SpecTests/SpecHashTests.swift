import Foundation
import Testing

@testable import Spec

/// `Spec.hash`: stable across loads and processes, sensitive to a change a user makes, blind to secret values.
@Suite struct SpecHashTests {
    static let yaml = specYAML(
        "alerts:\n  - name: cpu_high\n    metric: cpu.usage_percent\n    warning: 80\n    critical: 95\n")

    func hash(_ yaml: String, environment: [String: String] = [:]) throws -> String {
        try #require(SpecLoader.load(yaml: yaml, file: "hash.yaml", environment: environment).spec).hash
    }

    @Test func isSixteenHexDigitsAndStable() throws {
        let first = try hash(Self.yaml)
        #expect(first.count == 16 && first.allSatisfy(\.isHexDigit))
        #expect(try hash(Self.yaml) == first)
        // Key order and comments do not matter, only the model does.
        let reordered = Self.yaml.replacingOccurrences(
            of: "    warning: 80\n    critical: 95\n", with: "    critical: 95 # page\n    warning: 80\n")
        #expect(try hash(reordered) == first)
    }

    @Test func changesWithAThreshold() throws {
        let changed = Self.yaml.replacingOccurrences(of: "warning: 80", with: "warning: 70")
        #expect(try hash(changed) != hash(Self.yaml))
    }

    @Test func ignoresSecretValues() throws {
        let yaml = Self.yaml.replacingOccurrences(of: "host: localhost\n", with: "host: localhost\n    token: ${T}\n")
        #expect(try hash(yaml, environment: ["T": "one"]) == hash(yaml, environment: ["T": "two"]))
    }

    @Test func fnv1aMatchesKnownVectors() {
        #expect(StableHash.hex(Array("".utf8)) == "cbf29ce484222325")
        #expect(StableHash.hex(Array("a".utf8)) == "af63dc4c8601ec8c")
        #expect(StableHash.hex(Array("foobar".utf8)) == "85944171f73967e8")
    }
}

/// `SpecDuration`: parsing, the shortest spelling, and the round trip between them.
@Suite struct SpecDurationTests {
    @Test(
        arguments: [
            ("250ms", 250), ("1s", 1000), ("90s", 90_000), ("1m30s", 90_000), ("48h", 172_800_000),
            ("30d", 2_592_000_000), ("2w", 1_209_600_000), ("1h1ms", 3_600_001),
        ] as [(String, Int64)])
    func parses(_ text: String, _ milliseconds: Int64) {
        #expect(SpecDuration(parsing: text)?.milliseconds == milliseconds)
    }

    @Test(arguments: [
        "", "5", "s", "1x", "-1s", "1.5s", "1 s", "9223372036854775807w", "9000000000000000000ms9000000000000000000ms",
    ])
    func rejects(_ text: String) {
        #expect(SpecDuration(parsing: text) == nil)
    }

    @Test(arguments: [0, 1, 999, 1000, 61_000, 90_000, 3_600_000, 86_400_000, 604_800_000, 1_234_567_890] as [Int64])
    func descriptionRoundTrips(_ milliseconds: Int64) {
        let duration = SpecDuration(milliseconds: milliseconds)
        let reparsed = duration.description == "0s" ? SpecDuration.zero : SpecDuration(parsing: duration.description)
        #expect(reparsed == duration)
    }

    @Test func shortestSpelling() {
        #expect(SpecDuration.seconds(90).description == "1m30s")
        #expect(SpecDuration.zero.description == "0s")
        #expect(SpecDuration.days(30).inDays == "30d")
    }
}
