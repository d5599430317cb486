import Foundation
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// The silences file shared by `smsctl silence` and the hub.
@Suite struct AlertsSilenceStoreTests {
    @Test func roundTripsAndPrunesLongExpiredSilences() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-silence-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = SilenceStore(url: dir.appendingPathComponent("silences.json"))
        #expect(try store.load().isEmpty)
        #expect(store.fingerprint() == nil)
        let now: Int64 = 1_700_000_000_000
        let old = Silence(machine: "nfrt", rule: nil, startsMs: 0, endsMs: now - 2 * 86_400_000, reason: "old")
        let live = Silence(machine: "nfrt", rule: "cpu_high", startsMs: now, endsMs: now + 7_200_000, reason: "reboot")
        try store.save([old])
        let before = store.fingerprint()
        try store.update(nowMs: now) { $0.append(live) }
        #expect(try store.load() == [live])
        #expect(store.fingerprint() != before)
        let text = try String(contentsOf: store.url, encoding: .utf8)
        #expect(text.contains("\"ends_ms\""))
    }

    @Test func aBrokenFileIsAnErrorThatNamesIt() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sms-bad-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("{not json".utf8).write(to: file)
        #expect {
            try SilenceStore(url: file).load()
        } throws: { error in
            "\(error)".contains(file.path) && "\(error)".contains("not a valid silences file")
        }
    }

    @Test func idsAreEightHexDigits() {
        for _ in 0..<50 {
            let id = Silence.newID()
            #expect(id.count == 8 && id.allSatisfy(\.isHexDigit))
        }
    }
}
