import Testing

@testable import Spec

/// Suggestions for misspelt keys and names: close typos and prefixes, nothing for unrelated words.
@Suite struct DidYouMeanTests {
    @Test(arguments: [
        ("machnes", "machines"), ("retension", "retention"), ("intervall", "interval"), ("hots", "host"),
        ("warnng", "warning"), ("cpu.usage", "cpu.usage_percent"), ("mountpoint", "mount"),
    ])
    func suggests(_ word: String, _ expected: String) {
        let candidates =
            SpecReader.topKeys + SpecReader.machineKeys + SpecReader.alertKeys + MetricCatalog.names
            + ["mount"]
        #expect(DidYouMean.suggestion(for: word, among: candidates) == expected)
    }

    @Test(arguments: ["zzz", "completely_different", "x"])
    func staysQuietForUnrelatedWords(_ word: String) {
        #expect(DidYouMean.suggestion(for: word, among: SpecReader.topKeys) == nil)
    }

    @Test func editDistanceCountsSwapsAsOne() {
        #expect(DidYouMean.editDistance("abc", "acb") == 1)
        #expect(DidYouMean.editDistance("", "abc") == 3)
        #expect(DidYouMean.editDistance("kitten", "sitting") == 3)
    }
}
