import Services
import SMSCore
import Foundation

/// What a load run achieved: sent, acknowledged, lost, rates and Ack latency; text or JSON.
public struct LoadReport: Sendable, Codable {
    public var machines: Int
    public var metrics: Int
    public var intervalMs: Int64
    public var durationMs: Int64
    public var jitter: Bool
    /// Streams that got their first Ack, and those that ended on an error (first error shown).
    public var streamsOpened: Int
    public var streamErrors: Int
    public var firstError: String?
    public var batchesSent: Int
    public var samplesSent: Int
    public var batchesAcked: Int
    public var samplesAcked: Int
    /// Sent minus acknowledged after the drain wait.
    public var lossBatches: Int
    public var lossSamples: Int
    /// From the first batch's timestamp to one interval after the last's.
    public var sendWindowSeconds: Double
    public var sentSamplesPerSecond: Double
    public var ackedSamplesPerSecond: Double
    /// Serialized protobuf bytes of every Batch sent, and per sample (gRPC and HTTP/2 framing not included).
    public var wireBytes: Int
    public var wireBytesPerSample: Double
    /// Batch timestamp to the Ack that covers it, milliseconds.
    public var ackLatencyMs: LatencySummary
    /// CPU the load generator itself used.
    public var generatorCPUSeconds: Double

    init(config: LoadConfiguration, tallies: [StreamTally.State], cpuSeconds: Double) {
        machines = config.machines
        metrics = config.metrics
        intervalMs = config.intervalMs
        durationMs = config.durationMs
        jitter = config.jitter
        streamsOpened = tallies.filter(\.opened).count
        let errors = tallies.compactMap(\.error)
        streamErrors = errors.count
        firstError = errors.first
        batchesSent = tallies.reduce(0) { $0 + $1.batchesSent }
        samplesSent = tallies.reduce(0) { $0 + $1.samplesSent }
        batchesAcked = tallies.reduce(0) { $0 + $1.batchesAcked }
        samplesAcked = tallies.reduce(0) { $0 + $1.samplesAcked }
        lossBatches = batchesSent - batchesAcked
        lossSamples = samplesSent - samplesAcked
        let first = tallies.compactMap(\.firstSendMs).min() ?? 0
        let last = tallies.compactMap(\.lastSendMs).max() ?? 0
        sendWindowSeconds = batchesSent == 0 ? 0 : Double(last - first + config.intervalMs) / 1000
        sentSamplesPerSecond = sendWindowSeconds > 0 ? Double(samplesSent) / sendWindowSeconds : 0
        ackedSamplesPerSecond = sendWindowSeconds > 0 ? Double(samplesAcked) / sendWindowSeconds : 0
        wireBytes = tallies.reduce(0) { $0 + $1.wireBytes }
        wireBytesPerSample = samplesSent == 0 ? 0 : Double(wireBytes) / Double(samplesSent)
        var all = LatencySamples()
        for t in tallies { all.merge(t.latency) }
        ackLatencyMs = all.summary
        generatorCPUSeconds = cpuSeconds
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A two-column table for the terminal.
    public var text: String {
        func ms(_ v: Double?) -> String { v.map { String(format: "%.1f ms", $0) } ?? "-" }
        func int(_ v: Int) -> String { v.formatted(.number.grouping(.automatic)) }
        let rows: [(String, String)] = [
            ("machines × metrics", "\(machines) × \(metrics) every \(intervalMs) ms\(jitter ? " (jittered)" : " (aligned)")"),
            ("streams opened / errors", "\(streamsOpened) / \(streamErrors)" + (firstError.map { " (first: \($0))" } ?? "")),
            ("batches sent / acked", "\(int(batchesSent)) / \(int(batchesAcked))"),
            ("samples sent / acked", "\(int(samplesSent)) / \(int(samplesAcked))"),
            ("loss (samples)", "\(int(lossSamples))"),
            ("send rate", String(format: "%.0f samples/s over %.1f s", sentSamplesPerSecond, sendWindowSeconds)),
            ("acked rate", String(format: "%.0f samples/s", ackedSamplesPerSecond)),
            ("wire bytes / sample", String(format: "%.2f", wireBytesPerSample)),
            ("ack latency p50 / p99 / p99.9", "\(ms(ackLatencyMs.p50)) / \(ms(ackLatencyMs.p99)) / \(ms(ackLatencyMs.p999))"),
            ("generator CPU", String(format: "%.1f s", generatorCPUSeconds)),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
    }
}
