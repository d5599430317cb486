import Foundation
import GRPCCore
import SMSCore
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import TestSupport
import Testing

/// Series capped per machine, not only per stream: before, three streams of 100,000 series each were accepted and
/// the machine's page weighed 25 MB; a stream per reconnect piled up without end.
extension IngestRejectionTests {
    @Test("a machine's series are capped across its streams and reconnects: further series' samples dropped and counted, its first series go on", arguments: [
        "three streams at once", "one stream after another",
    ])
    func seriesCappedPerMachine(how: String) async throws {
        let d = try TempDeployment(machines: ["big"])
        defer { d.remove() }
        let hub = try await startHealthyHub(d)
        defer { hub.crash() }
        /// 15,000 series no other stream declares, each 1.0, at `seq`.
        func wide(_ stream: Int, seq: UInt64) -> Sms_V1_Batch {
            var b = batch(machine: "big", seq: seq)
            b.newSeries = (0..<15_000).map { i in .with { $0.metric = "cpu.core_usage_percent"; $0.labels = [.with { $0.key = "cpu"; $0.value = "\(stream)-\(i)" }] } }
            b.layout = (0..<15_000).map { UInt32($0) }
            b.values = Array(repeating: 1, count: 15_000)
            return b
        }
        if how == "three streams at once" {
            async let a = refusal(d, machine: "big", token: d.token("big"), batches: [wide(0, seq: 1)])
            async let b = refusal(d, machine: "big", token: d.token("big"), batches: [wide(1, seq: 2)])
            async let c = refusal(d, machine: "big", token: d.token("big"), batches: [wide(2, seq: 3)])
            let ended = await [a, b, c]
            #expect(ended.allSatisfy { $0 == nil }, "\(ended)")
        } else {
            for stream in 0..<3 {
                let ended = await refusal(d, machine: "big", token: d.token("big"), batches: [wide(stream, seq: UInt64(stream) + 1)])
                #expect(ended == nil, "\(String(describing: ended))")
            }
        }
        let page = try await d.json("/api/machines/big") as? [String: Any]
        let shown = (page?["samples"] as? [[String: Any]])?.count ?? 0
        let stored = (page?["series"] as? [Any])?.count ?? 0
        #expect(shown >= 15_000 && shown <= 20_000 + 10, "the machine's page shows \(shown) series")
        #expect(stored >= 15_000 && stored <= 20_000 + 10, "history keeps \(stored) series of the machine")
        let metrics = String(decoding: try await d.get("/metrics").0, as: UTF8.self)
        let rejected = metrics.split(separator: "\n").first { $0.hasPrefix("sms_samples_rejected_total") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        #expect(rejected >= 25_000, "sms_samples_rejected_total \(rejected)")
        #expect(hub.output.contains("machine at its series limit"))
        // A series the machine had before the limit (whichever stream got in first) keeps being stored: a new
        // stream sending only it.
        let kept = try #require((page?["samples"] as? [[String: Any]])?.compactMap { ($0["labels"] as? [String: String])?["cpu"] }.first)
        var again = batch(machine: "big", seq: 4)
        again.newSeries = [.with { $0.metric = "cpu.core_usage_percent"; $0.labels = [.with { $0.key = "cpu"; $0.value = kept }] }]
        again.layout = [0]
        again.values = [55]
        #expect(await refusal(d, machine: "big", token: d.token("big"), batches: [again]) == nil)
        let after = try await d.json("/api/machines/big") as? [String: Any]
        let sample = (after?["samples"] as? [[String: Any]])?.first { ($0["labels"] as? [String: String])?["cpu"] == kept }
        #expect((sample?["value"] as? NSNumber)?.doubleValue == 55, "\(String(describing: sample))")
    }
}
