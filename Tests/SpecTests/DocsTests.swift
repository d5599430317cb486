import Foundation
import Testing

@testable import Spec

/// docs/spec.md stays in sync with the reader's keys and the metric catalog.
@Suite struct DocsTests {
    static let docs: String = {
        let url = Fixtures.specsDirectory.deletingLastPathComponent().appendingPathComponent("docs/spec.md")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    @Test(arguments: MetricCatalog.names)
    func everyMetricIsDocumented(_ name: String) {
        #expect(Self.docs.contains("| `\(name)` |"))
    }

    @Test func everyKeyIsDocumented() {
        let keys = Set(
            SpecReader.topKeys + SpecReader.hubKeys + SpecReader.retentionKeys + SpecReader.defaultsKeys
                + SpecReader.machineKeys + SpecReader.overrideKeys + SpecReader.alertKeys + SpecReader.channelKeys
                + SpecReader.edgeKeys + SpecReader.windowKeys + SpecReader.sshKeys + SpecReader.containerKeys)
        for key in keys.sorted() {
            #expect(Self.docs.contains("`\(key)`"), "docs/spec.md does not mention `\(key)`")
        }
    }

    /// Each built-in channel kind has its section and a row for every field of the format table.
    @Test(arguments: NotifyChannel.Format.kinds)
    func everyChannelFieldIsDocumented(_ format: NotifyChannel.Format) {
        let headings = Self.docs.split(separator: "\n").filter { $0.hasPrefix("### ") }
        #expect(headings.contains { $0.contains(format.rawValue) }, "docs/spec.md has no section for \(format.rawValue)")
        for field in format.fields {
            #expect(Self.docs.contains("| `\(field.key)` |"), "docs/spec.md does not document \(format.rawValue).\(field.key)")
        }
    }
}
