import Services
import SMSCore
import Spec

/// What one rule would have done on one machine over stored history: its firing periods.
public struct BacktestFirings: Sendable, Codable, Equatable {
    /// One firing period; `toMs` is nil when it was still firing at the end of the window.
    public struct Interval: Sendable, Codable, Equatable {
        public var fromMs: Int64
        public var toMs: Int64?
        /// The highest severity it reached.
        public var severity: String
    }

    public var intervals: [Interval] = []
    /// Where the window ends: an open period counts up to here.
    public var endMs: Int64 = 0

    public var firings: Int { intervals.count }
    public var totalMs: Int64 { intervals.reduce(0) { $0 + ($1.toMs ?? endMs) - $1.fromMs } }
    public var longestMs: Int64 { intervals.map { ($0.toMs ?? endMs) - $0.fromMs }.max() ?? 0 }

    enum CodingKeys: String, CodingKey { case intervals, endMs, firings, totalMs, longestMs }

    public init(intervals: [Interval] = [], endMs: Int64 = 0) {
        self.intervals = intervals
        self.endMs = endMs
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        intervals = try c.decode([Interval].self, forKey: .intervals)
        endMs = try c.decode(Int64.self, forKey: .endMs)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(intervals, forKey: .intervals)
        try c.encode(endMs, forKey: .endMs)
        try c.encode(firings, forKey: .firings)
        try c.encode(totalMs, forKey: .totalMs)
        try c.encode(longestMs, forKey: .longestMs)
    }
}

/// Replays stored history through the alerts service's own evaluator (`AlertEvaluator`: the same `for`, `clear`,
/// `keep_firing_for`, per-machine overrides and staleness), with one rule alone, the way `plan` backtests a rule
/// change. Samples are evaluated at their own timestamps, and the evaluator ticks every `stepMs` in between, as
/// the live service ticks every second. Silences and maintenance windows mute notifications, never firing, so
/// they do not change what is counted here.
public enum AlertBacktest {
    /// The firing periods of `rule` on `machine` of `spec`, over `series` (the machine's stored series of the
    /// rule's metric), until `endMs`.
    public static func replay(
        rule: AlertRule, spec: Spec, machine: String, series: [HistorySeries], stepMs: Int64, endMs: Int64
    ) -> BacktestFirings {
        var only = spec
        var enabled = rule
        enabled.enabled = true
        only.alerts = [enabled]
        let version = SpecVersion(spec: only, hash: only.hash)
        var byTime: [Int64: [Sample]] = [:]
        for s in series {
            for point in s.points where point.value.isFinite {
                byTime[point.t, default: []].append(Sample(s.series, point.value))
            }
        }
        let times = byTime.keys.sorted()
        var result = BacktestFirings(endMs: endMs)
        guard let first = times.first else { return result }
        var evaluator = AlertEvaluator(startMs: first)
        var open: [AlertKey: Int] = [:]
        func record(_ transitions: [AlertTransition]) {
            for t in transitions {
                switch t.kind {
                case .firing:
                    open[t.key] = result.intervals.count
                    result.intervals.append(.init(fromMs: t.atMs, toMs: nil, severity: t.instance.severity.rawValue))
                case .escalated:
                    if let i = open[t.key] { result.intervals[i].severity = AlertSeverity.critical.rawValue }
                case .resolved:
                    if let i = open.removeValue(forKey: t.key) { result.intervals[i].toMs = t.atMs }
                case .pending, .cancelled, .deescalated:
                    break
                }
            }
        }
        let tick = max(stepMs, 1000)
        var clock = first
        for (index, time) in times.enumerated() {
            // Ticks between samples, as the live service's second-by-second loop would run.
            while clock + tick < time {
                clock += tick
                record(evaluator.tick(spec: version, nowMs: clock))
            }
            clock = time
            let batch = Batch(machine: machine, seq: UInt64(index + 1), snapshot: Snapshot(timestampMs: time, samples: byTime[time] ?? []))
            record(evaluator.ingest(batch, spec: version, nowMs: time))
            record(evaluator.tick(spec: version, nowMs: time))
        }
        while clock + tick <= endMs {
            clock += tick
            record(evaluator.tick(spec: version, nowMs: clock))
        }
        result.intervals.sort { $0.fromMs < $1.fromMs }
        return result
    }
}
