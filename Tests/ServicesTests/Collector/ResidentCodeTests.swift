import Foundation
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("Collector: resident code")
struct ResidentCodeTests {
    @Test("dropping the code pages is safe: the process keeps running the same code, and RSS does not grow")
    func trimIsSafeAndReleases() throws {
        func rssKB() -> Int {
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        let before = rssKB()
        let released = ResidentCode.trim()
        #expect(released > 1 << 20, "the test binary maps more than 1 MiB of code")
        // Code runs again from the page cache: JSON, hashing and string work all still work after the trim.
        let text = String(decoding: try JSONEncoder().encode(["a": [1, 2, 3]]), as: UTF8.self)
        #expect(text == #"{"a":[1,2,3]}"#)
        #expect(Set((0..<1000).map { "k\($0)" }).count == 1000)
        #expect(rssKB() <= before + 1024)
    }
}
