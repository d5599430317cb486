import SMSCore

/// Tier choice and answer shaping, shared by every store so that they agree on what a query returns.
extension HistoryQuery {
    /// Ranges up to this long are read from raw samples when no tier is asked for.
    static let rawRangeLimitMs: Int64 = 6 * 3_600_000
    /// Ranges up to this long are read from 1-minute rollups; longer ones from 1-hour rollups.
    static let oneMinuteRangeLimitMs: Int64 = 7 * 86_400_000

    /// The tier to read: the requested one, or by range (and step), moving to a coarser tier when retention
    /// has already deleted part of the range from the finer one.
    func resolvedTier(cutoffs: RetentionCutoffs) -> HistoryTier {
        if let tier { return tier }
        let range = toMs - fromMs
        var tier: HistoryTier =
            range <= Self.rawRangeLimitMs
            ? .raw
            : range <= Self.oneMinuteRangeLimitMs ? .oneMinute : .oneHour
        // A step that is a whole number of rollup buckets gives the same answer from the rollup, cheaper.
        if let step = stepMs, step > 0 {
            if step % 3_600_000 == 0 {
                tier = .oneHour
            } else if step % 60_000 == 0, tier == .raw {
                tier = .oneMinute
            }
        }
        while fromMs < cutoffs.cutoff(tier), let coarser = tier.coarser { tier = coarser }
        return tier
    }

    /// True when a rollup bucket starting at `bucket` overlaps the query's range.
    func overlaps(bucket: Int64, width: Int64) -> Bool { bucket <= toMs && bucket > fromMs - width }

    /// Raw samples (already in range) as points, merged into step buckets when a step is set.
    func shape(raw samples: [(t: Int64, value: Double)]) -> [HistoryPoint] {
        let sorted = Self.sortedByTime(samples) { $0.t }
        guard let step = stepMs, step > 0 else { return sorted.map { HistoryPoint(t: $0.t, value: $0.value) } }
        return Rollup.buckets(times: sorted.map(\.t), values: sorted.map(\.value), width: step)
            .map { $0.rollup.point(at: $0.bucket) }
    }

    /// Rollup rows (already in range) as points, merged further into step buckets when the step is wider.
    func shape(rollups rows: [(t: Int64, rollup: Rollup)], width: Int64) -> [HistoryPoint] {
        let sorted = Self.sortedByTime(rows) { $0.t }
        guard let step = stepMs, step > width else { return sorted.map { $0.rollup.point(at: $0.t) } }
        var merged: [(t: Int64, rollup: Rollup)] = []
        for row in sorted {
            let bucket = Rollup.bucket(row.t, width: step)
            if let index = merged.indices.last, merged[index].t == bucket {
                merged[index].rollup.merge(later: row.rollup)
            } else {
                merged.append((bucket, row.rollup))
            }
        }
        return merged.map { $0.rollup.point(at: $0.t) }
    }

    /// Stable sort by time: a no-op for in-order data, and keeps arrival order for equal timestamps.
    private static func sortedByTime<E>(_ items: [E], _ time: (E) -> Int64) -> [E] {
        if zip(items, items.dropFirst()).allSatisfy({ time($0.0) <= time($0.1) }) { return items }
        return items.enumerated().sorted { (time($0.element), $0.offset) < (time($1.element), $1.offset) }
            .map(\.element)
    }
}

extension HistoryTier {
    /// The next coarser tier, nil for the coarsest.
    var coarser: HistoryTier? {
        switch self {
        case .raw: .oneMinute
        case .oneMinute: .oneHour
        case .oneHour: nil
        }
    }
}
