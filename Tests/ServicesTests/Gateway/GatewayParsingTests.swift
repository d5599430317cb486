import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("Gateway parsing")
struct GatewayParsingTests {
    static let now: Int64 = 1_700_000_000_000

    @Test(arguments: [
        ("now", now), ("-15m", now - 900_000), ("now-1h", now - 3_600_000), ("1699999999000", 1_699_999_999_000),
    ])
    func timesParse(text: String, expected: Int64) throws {
        #expect(try HistoryRange.parseTime(text, name: "from", nowMs: Self.now) == expected)
    }

    @Test func defaultStepKeepsChartsNearTargetPoints() {
        #expect(HistoryRange.defaultStep(rangeMs: 900_000, minStepMs: 1000) == 2000)
        #expect(HistoryRange.defaultStep(rangeMs: 86_400_000, minStepMs: 1000) == 120_000)
        #expect(HistoryRange.defaultStep(rangeMs: 30 * 86_400_000, minStepMs: 1000) == 3_600_000)
    }

    @Test func labelsParse() throws {
        #expect(try HistoryRange.parseLabels("mount:/,device:sda") == ["mount": "/", "device": "sda"])
        #expect(try HistoryRange.parseLabels("mount:/mnt/a:b") == ["mount": "/mnt/a:b"])
        #expect(throws: APIError.self) { try HistoryRange.parseLabels(":x") }
    }

    @Test(arguments: [
        ("http://hub:8080", "hub:8080", [String](), true),
        ("http://hub:8080", "other:8080", [], false),
        ("https://hub", "hub:443", [], true),
        ("https://dash.example.org/", "hub:8080", ["https://dash.example.org"], true),
        ("null", "hub:8080", [], false),
    ])
    func originPolicy(origin: String, host: String, allowed: [String], expected: Bool) {
        #expect(OriginPolicy(allowed: allowed).allows(origin: origin, host: host) == expected)
        #expect(OriginPolicy(allowed: allowed).allows(origin: nil, host: host))
    }

    @Test(arguments: [
        (#"{"subscribe":"mcrn"}"#, ClientCommand.subscribe("mcrn")),
        (#"{"unsubscribe":"mcrn"}"#, .unsubscribe("mcrn")),
        (#"{"subscribe":"mcrn","x":1}"#, nil),
        (#"{"subscribe":3}"#, nil),
        (#"{"delete":"mcrn"}"#, nil),
        ("subscribe mcrn", nil),
    ])
    func clientCommands(text: String, expected: ClientCommand?) {
        #expect(ClientCommand(json: Array(text.utf8)) == expected)
    }

    @Test func canonicalSeriesKeysRoundTrip() {
        let keys = [
            SeriesKey("cpu.usage_percent"), SeriesKey("cpu.core_mode_percent", ["core": "3", "mode": "user"]),
            SeriesKey("disk.used_percent", ["mount": #"/mnt/a",b="c\d"#]), SeriesKey("x", ["k": ""]),
        ]
        for key in keys {
            #expect(SeriesKey(canonical: key.description) == key)
            #expect(SeriesKey(canonical: key.description)?.labels == key.labels)
        }
        // Escaping keeps two different label sets from sharing a text.
        #expect(SeriesKey("m", ["a": #"1",b="2"#]).description != SeriesKey("m", ["a": "1", "b": "2"]).description)
        #expect(SeriesKey(canonical: "disk.used_percent{mount=\"/\"") == nil)
    }

    @Test func liveClientKeepsOnlyTheLatestStatePerMachine() {
        let client = LiveClient(id: 1, maxPendingBytes: 1 << 20)
        client.offer(summaries: ["a": Array(#"{"id":"a","v":1}"#.utf8)], details: [:], alerts: nil)
        client.offer(summaries: ["a": Array(#"{"id":"a","v":2}"#.utf8)], details: ["a": [1]], alerts: nil)
        let out = client.take(serverTimeMs: 5)
        #expect(
            out?.update.map { String(decoding: $0, as: UTF8.self) }
                == #"{"type":"update","serverTimeMs":5,"machines":[{"id":"a","v":2}],"details":[]}"#)
        #expect(client.take(serverTimeMs: 6) == nil)
    }

    @Test func liveClientOverflowsPastTheCap() {
        let client = LiveClient(id: 1, maxPendingBytes: 10)
        client.offer(summaries: ["a": Array(repeating: 32, count: 11)], details: [:], alerts: nil)
        #expect(client.overflowed)
    }
}
