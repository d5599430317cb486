import Services
import SMSCore

/// Latencies in milliseconds, kept whole so percentiles are exact (a few hundred thousand values at most).
public struct LatencySamples: Sendable, Codable, Equatable {
    public private(set) var values: [Double] = []

    public init() {}

    public mutating func record(_ ms: Double) { values.append(ms) }
    public mutating func merge(_ other: LatencySamples) { values += other.values }

    /// The `q` quantile (0...1) by nearest rank, nil when empty.
    public func quantile(_ q: Double, sorted: [Double]? = nil) -> Double? {
        let s = sorted ?? values.sorted()
        guard !s.isEmpty else { return nil }
        let rank = Int((q * Double(s.count)).rounded(.up)) - 1
        return s[min(s.count - 1, max(0, rank))]
    }

    /// p50, p99, p99.9 and max.
    public var summary: LatencySummary {
        let s = values.sorted()
        return LatencySummary(
            count: s.count, p50: quantile(0.5, sorted: s), p99: quantile(0.99, sorted: s),
            p999: quantile(0.999, sorted: s), max: s.last)
    }
}

/// Percentiles of a latency distribution, in milliseconds.
public struct LatencySummary: Sendable, Codable, Equatable {
    public var count: Int
    public var p50: Double?
    public var p99: Double?
    public var p999: Double?
    public var max: Double?
}
