import Foundation
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("Gateway: hand-written summary JSON")
struct SummaryJSONTests {
    static func summary(values: KeyValues, alerts: [AlertStatusDTO], optionals: Bool) -> MachineSummary {
        MachineSummary(
            id: "web-\"1\"", host: optionals ? "10.0.0.1" : nil, labels: ["role": "db\nprimary", "zone": "eu\\1"],
            intervalMs: 1000, declared: true, status: .warning, connected: optionals,
            lastSeenMs: optionals ? 1_764_000_000_123 : nil, lastSampleMs: optionals ? 1_764_000_000_100 : nil,
            lagMs: optionals ? 23 : nil, agentVersion: optionals ? "sms 0.1 \u{1}" : nil,
            configHash: optionals ? "abc" : nil, specDrift: optionals ? false : nil,
            backlog: optionals ? 12 : nil, samplesPerSecond: 39.95,
            completeness: optionals ? ["1h": 0.99875, "24h": 1, "7d": 0.5] : nil, values: values,
            alertState: optionals ? .critical : nil, alerts: alerts)
    }

    @Test(arguments: [true, false])
    func decodesToTheSameSummaryAsTheCodableForm(optionals: Bool) throws {
        var values = KeyValues()
        if optionals {
            values = KeyValues(
                cpu: 12.5, cores: 8, memory: 0.1, memoryUsedBytes: 16_000_000_000, memoryTotalBytes: 3.2e10,
                disk: 99.99999, diskMount: "/mnt/\"x\"", diskReadBytes: 1e-7, diskWriteBytes: 0,
                netRxBytes: 1.5e20, netTxBytes: -3, load1: 0.01, load5: 2, load15: 1234.5678, uptimeSeconds: 86_400,
                topContainerCpu: 150, topContainer: "db \"main\"")
        }
        let alert = AlertStatusDTO(
            rule: "disk full", machine: "web-\"1\"", series: "disk.used_percent{mount=\"/\"}", severity: .critical,
            state: .firing, sinceMs: 1_764_000_000_000, value: 97.25, threshold: 95, message: "disk at 97%\t!")
        let summary = Self.summary(values: values, alerts: optionals ? [alert, alert] : [], optionals: optionals)
        let decoded = try JSONDecoder().decode(MachineSummary.self, from: Data(summary.json))
        #expect(decoded == summary)
        // The same object as JSONEncoder writes: same keys present, same values.
        let ours = try JSONSerialization.jsonObject(with: Data(summary.json)) as? NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: JSONEncoder().encode(summary)) as? NSDictionary
        #expect(ours == theirs)
    }

    @Test("the busiest container or service is a card figure, with its name")
    func busiestContainer() {
        let kv = FleetView.keyValues([
            #"container.cpu_percent{container="web"}"#: 40, #"container.cpu_percent{container="db"}"#: 150,
            #"container.cpu_percent{service="nginx.service"}"#: 90, "cpu.usage_percent": 95,
        ])
        #expect(kv.topContainerCpu == 150 && kv.topContainer == "db")
        #expect(FleetView.keyValues(["cpu.usage_percent": 95]).topContainer == nil)
    }

    @Test func nonFiniteNumbersAreNull() throws {
        var values = KeyValues()
        values.cpu = .nan
        values.load1 = .infinity
        let text = String(decoding: Self.summary(values: values, alerts: [], optionals: false).json, as: UTF8.self)
        #expect(text.contains(#""cpu":null"#))
        #expect(text.contains(#""load1":null"#))
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil)
    }
}
