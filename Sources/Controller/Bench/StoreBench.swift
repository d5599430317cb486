import Foundation
import Logging
import SMSCore
import Services

/// One aggregator's history write path, without the network: simulated machines produce a batch each per
/// interval (the aligned schedule: all on the same tick) and the store takes them in group commits, as the
/// aggregator's committer does. Run one per process, several against one database, to measure a shared
/// PostgreSQL history with several aggregators (`bench/run --phases store`).
public struct StoreBench: Sendable {
    public var history: String
    public var machines: Int
    /// Machine names are `PREFIX0001`…; give each aggregator its own prefix.
    public var prefix: String
    public var metrics: Int
    public var intervalMs: Int64
    public var durationMs: Int64
    /// Batches per `append` call (the committer's group commit).
    public var group: Int

    public init(
        history: String, machines: Int, prefix: String, metrics: Int, intervalMs: Int64, durationMs: Int64,
        group: Int
    ) {
        self.history = history
        self.machines = machines
        self.prefix = prefix
        self.metrics = metrics
        self.intervalMs = intervalMs
        self.durationMs = durationMs
        self.group = group
    }

    /// What one run stored, how fast, and how far behind its schedule it fell.
    public struct Report: Sendable, Codable {
        public var machines: Int
        public var metrics: Int
        public var batchesSent: Int
        public var samplesSent: Int
        public var batchesStored: Int
        public var samplesStored: Int
        public var duplicates: Int
        /// From the first tick to one interval after the last, or to the last append's return when that is later.
        public var seconds: Double
        public var storedSamplesPerSecond: Double
        /// How late the last tick's batches were stored, past their tick (0 when the store kept up).
        public var finalLagMs: Double
        public var appendMs: LatencySummary
        public var cpuSeconds: Double
    }

    public func run(logger: Logger) async throws -> Report {
        let store: any HistoryStore =
            history.hasPrefix("postgres")
            ? try await PostgresHistoryStore.open(url: history, logger: logger)
            : try await SQLiteHistoryStore.open(path: history, logger: logger)
        var simulated = (0..<machines).map { SimulatedMachine(index: $0, metrics: metrics) }
        let names = (0..<machines).map { prefix + String(format: "%04d", $0 + 1) }
        let ticks = Int(durationMs / intervalMs)
        var report = Report(
            machines: machines, metrics: metrics, batchesSent: 0, samplesSent: 0, batchesStored: 0, samplesStored: 0,
            duplicates: 0, seconds: 0, storedSamplesPerSecond: 0, finalLagMs: 0,
            appendMs: LatencySamples().summary, cpuSeconds: 0)
        var latencies = LatencySamples()
        let cpuBefore = ProcessCPU.seconds()
        let clock = ContinuousClock()
        let started = clock.now
        let firstTickMs = Int64(Date().timeIntervalSince1970 * 1000) / intervalMs * intervalMs + intervalMs
        for tick in 0..<ticks {
            let due = started + .milliseconds(Int64(tick) * intervalMs)
            if clock.now < due { try await Task.sleep(until: due, clock: clock) }
            let t = firstTickMs + Int64(tick) * intervalMs
            var batches: [Batch] = []
            batches.reserveCapacity(machines)
            for index in 0..<machines {
                let samples = simulated[index].tick()
                batches.append(
                    Batch(machine: names[index], seq: UInt64(tick + 1), snapshot: Snapshot(timestampMs: t, samples: samples)))
            }
            report.batchesSent += batches.count
            report.samplesSent += batches.count * metrics
            var start = 0
            while start < batches.count {
                let end = min(start + group, batches.count)
                let before = clock.now
                let result = try await store.append(Array(batches[start..<end]))
                latencies.record(Self.ms(clock.now - before))
                report.batchesStored += result.stored
                report.samplesStored += result.stored * metrics
                report.duplicates += result.duplicates
                start = end
            }
            if tick == ticks - 1 { report.finalLagMs = max(0, Self.ms(clock.now - due)) }
        }
        report.seconds = max(Self.ms(clock.now - started), Double(Int64(ticks) * intervalMs)) / 1000
        report.storedSamplesPerSecond = Double(report.samplesStored) / max(report.seconds, 0.001)
        report.appendMs = latencies.summary
        report.cpuSeconds = ProcessCPU.seconds() - cpuBefore
        try await store.close()
        return report
    }

    static func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

}
