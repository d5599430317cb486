import SMSCore
import Spec

/// Min, max, sum, count and last of the samples in one bucket; partial rollups of the same bucket merge.
///
/// NaN samples are left out (SQLite stores NaN as NULL, and one NaN would poison min, max and avg);
/// infinities are kept.
struct Rollup: Sendable, Equatable {
    var min: Double
    var max: Double
    var sum: Double
    var count: Int
    var last: Double

    init(min: Double, max: Double, sum: Double, count: Int, last: Double) {
        self.min = min
        self.max = max
        self.sum = sum
        self.count = count
        self.last = last
    }

    /// A bucket holding one sample.
    init(_ value: Double) { self.init(min: value, max: value, sum: value, count: 1, last: value) }

    /// Adds a later sample.
    mutating func add(_ value: Double) {
        guard !value.isNaN else { return }
        min = Swift.min(min, value)
        max = Swift.max(max, value)
        sum += value
        count += 1
        last = value
    }

    /// Merges the rollup of later samples of the same bucket.
    mutating func merge(later other: Rollup) {
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        sum += other.sum
        count += other.count
        last = other.last
    }

    /// The point a query returns for this bucket.
    func point(at t: Int64) -> HistoryPoint {
        HistoryPoint(t: t, value: sum / Double(count), min: min, max: max, last: last)
    }

    /// The start of the bucket of width `width` holding `t` (floor division, so times before 1970 work too).
    static func bucket(_ t: Int64, width: Int64) -> Int64 {
        let quotient = t / width
        return (t % width < 0 ? quotient - 1 : quotient) * width
    }

    /// Rolls time-ordered samples up into buckets of `width`, oldest first; NaN-only buckets are omitted.
    static func buckets(times: [Int64], values: [Double], width: Int64) -> [(bucket: Int64, rollup: Rollup)] {
        var result: [(bucket: Int64, rollup: Rollup)] = []
        for (time, value) in zip(times, values) where !value.isNaN {
            let bucket = bucket(time, width: width)
            if let lastIndex = result.indices.last, result[lastIndex].bucket == bucket {
                result[lastIndex].rollup.add(value)
            } else if let index = result.lastIndex(where: { $0.bucket == bucket }) {
                // Only when a clock stepped backwards; keeps one row per bucket.
                result[index].rollup.add(value)
            } else {
                result.append((bucket, Rollup(value)))
            }
        }
        return result
    }
}

/// The oldest timestamp each tier still holds everywhere, as left by the last `enforceRetention`.
struct RetentionCutoffs: Sendable, Equatable {
    var raw: Int64 = .min
    var oneMinute: Int64 = .min
    var oneHour: Int64 = .min

    func cutoff(_ tier: HistoryTier) -> Int64 {
        switch tier {
        case .raw: raw
        case .oneMinute: oneMinute
        case .oneHour: oneHour
        }
    }
}

extension RetentionCutoffs {
    /// The cutoffs after applying `retention` at `nowMs`; they never move back, so nothing deleted reappears.
    func advanced(by retention: Retention, nowMs: Int64) -> RetentionCutoffs {
        RetentionCutoffs(
            raw: Swift.max(raw, nowMs - retention.raw.milliseconds),
            oneMinute: Swift.max(oneMinute, nowMs - retention.oneMinute.milliseconds),
            oneHour: Swift.max(oneHour, nowMs - retention.oneHour.milliseconds)
        )
    }
}
