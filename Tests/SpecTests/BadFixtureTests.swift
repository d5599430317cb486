import Foundation
import Testing

@testable import Spec

/// One bad fixture and the diagnostic it must produce: where, at which key path, and what it says.
struct BadFixture: CustomTestStringConvertible, Sendable {
    var name: String
    var line: Int
    var column: Int
    var path: String
    var message: String

    init(_ name: String, _ line: Int, _ column: Int, _ path: String, _ message: String) {
        self.name = name
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    var testDescription: String { name }
    var file: String { "\(name).bad.yaml" }
}

/// Every file in Fixtures/bad/, named after its problem, with the error it must report.
@Suite struct BadFixtureTests {
    @Test(arguments: table)
    func reportsTheProblemAtItsLocation(_ fixture: BadFixture) throws {
        let result = Fixtures.load("bad", fixture.file)
        #expect(result.hasErrors)
        #expect(result.spec == nil)
        let match = result.errors.first {
            $0.line == fixture.line && $0.column == fixture.column && $0.path == fixture.path
                && $0.message.contains(fixture.message)
        }
        let got = result.diagnostics.map(\.description).joined(separator: "\n")
        #expect(
            match != nil,
            "expected \(fixture.line):\(fixture.column) \(fixture.path): …\(fixture.message)…, got:\n\(got)")
        // Every diagnostic names the file it came from and reads like the others.
        for diagnostic in result.diagnostics {
            #expect(diagnostic.file.hasSuffix(fixture.file))
            #expect(diagnostic.line >= 1 && diagnostic.column >= 1)
            #expect(diagnostic.message.first.map { !$0.isUppercase } ?? false)
        }
    }

    @Test func everyBadFixtureIsInTheTable() {
        let listed = Set(Self.table.map(\.file))
        let present = Set(Fixtures.names(in: "bad", suffix: ".bad.yaml"))
        #expect(present == listed)
        #expect(present.count >= 40)
    }

    @Test func fiveIndependentMistakesGiveExactlyFiveDiagnostics() {
        let result = Fixtures.load("bad", "five_independent_mistakes.bad.yaml")
        #expect(result.diagnostics.count == 5, "\(result.diagnostics.map(\.description))")
        #expect(
            result.errors.map(\.path) == [
                "hub.grpc_port", "machines[0].intervall", "machines[1].labels.backup", "alerts[0].warning",
                "notify[0].webhook",
            ])
    }

    @Test func diagnosticsPrintAsFileLineColumnSeverityPathMessage() {
        let result = Fixtures.load("bad", "alerts_warning_above_critical.bad.yaml")
        let text = result.errors.first?.description ?? ""
        #expect(
            text.hasSuffix(
                "alerts_warning_above_critical.bad.yaml:9:14: error: alerts[0].warning: "
                    + "must be below critical (80 ≥ 75)"))
    }
}
