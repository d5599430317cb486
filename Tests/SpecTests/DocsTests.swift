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
                + SpecReader.edgeKeys + SpecReader.windowKeys + SpecReader.sshKeys)
        for key in keys.sorted() {
            #expect(Self.docs.contains("`\(key)`"), "docs/spec.md does not mention `\(key)`")
        }
    }
}
