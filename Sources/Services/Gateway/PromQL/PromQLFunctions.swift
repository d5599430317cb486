import Foundation

/// Range functions and aggregations, following Prometheus' own definitions.
extension PromQLEngine {
    /// A range function of one series' window at `t`; nil when the window has too few points.
    static func apply(_ f: PromFunction, _ w: PromSeries, rangeMs: Int64, at t: Int64) -> PromInstant? {
        guard !w.v.isEmpty else { return nil }
        let value: Double
        switch f {
        case .avgOverTime: value = w.v.reduce(0, +) / Double(w.v.count)
        case .minOverTime: value = w.v.dropFirst().reduce(w.v[0]) { $1 < $0 || $0.isNaN ? $1 : $0 }
        case .maxOverTime: value = w.v.dropFirst().reduce(w.v[0]) { $1 > $0 || $0.isNaN ? $1 : $0 }
        case .rate, .increase:
            guard let r = extrapolatedRate(w, rangeStart: t - rangeMs, rangeEnd: t, isRate: f == .rate) else {
                return nil
            }
            value = r
        }
        return PromInstant(labels: w.labels.droppingName, value: value)
    }

    /// Prometheus' `extrapolatedRate` for counters: resets corrected, extrapolated towards the window's edges
    /// (by at most half an average interval when the series starts or ends inside the window, never below zero).
    static func extrapolatedRate(_ w: PromSeries, rangeStart: Int64, rangeEnd: Int64, isRate: Bool) -> Double? {
        guard w.v.count >= 2 else { return nil }
        var result = 0.0
        var previous = 0.0
        for v in w.v {
            if v < previous { result += previous }
            previous = v
        }
        result += w.v[w.v.count - 1] - w.v[0]
        var durationToStart = Double(w.t[0] - rangeStart) / 1000
        let durationToEnd = Double(rangeEnd - w.t[w.t.count - 1]) / 1000
        let sampled = Double(w.t[w.t.count - 1] - w.t[0]) / 1000
        let averageInterval = sampled / Double(w.v.count - 1)
        if result > 0, w.v[0] >= 0 {
            let durationToZero = sampled * (w.v[0] / result)
            if durationToZero < durationToStart { durationToStart = durationToZero }
        }
        let threshold = averageInterval * 1.1
        var extrapolateTo = sampled
        extrapolateTo += durationToStart < threshold ? durationToStart : averageInterval / 2
        extrapolateTo += durationToEnd < threshold ? durationToEnd : averageInterval / 2
        result *= extrapolateTo / sampled
        if isRate { result /= Double(rangeEnd - rangeStart) / 1000 }
        return result
    }

    /// `sum|avg|min|max|count|topk` by or without labels.
    static func aggregate(
        _ op: PromAggregation, _ grouping: PromGrouping?, k: Double, _ samples: [PromInstant]
    ) -> [PromInstant] {
        var order: [String] = []
        var groups: [String: (labels: [String: String], members: [PromInstant])] = [:]
        for s in samples {
            let key = groupLabels(s.labels, grouping)
            let signature = Self.signature(key)
            if groups[signature] == nil {
                order.append(signature)
                groups[signature] = (key, [])
            }
            groups[signature]!.members.append(s)
        }
        var out: [PromInstant] = []
        for signature in order {
            let (labels, members) = groups[signature]!
            let values = members.map(\.value)
            switch op {
            case .sum: out.append(PromInstant(labels: labels, value: values.reduce(0, +)))
            case .avg: out.append(PromInstant(labels: labels, value: values.reduce(0, +) / Double(values.count)))
            case .count: out.append(PromInstant(labels: labels, value: Double(values.count)))
            case .min:
                out.append(
                    PromInstant(
                        labels: labels, value: values.dropFirst().reduce(values[0]) { $1 < $0 || $0.isNaN ? $1 : $0 }))
            case .max:
                out.append(
                    PromInstant(
                        labels: labels, value: values.dropFirst().reduce(values[0]) { $1 > $0 || $0.isNaN ? $1 : $0 }))
            case .topk:
                let count = k.isFinite ? Int(max(0, min(k, Double(members.count)))) : (k > 0 ? members.count : 0)
                let sorted = members.sorted { a, b in
                    if a.value.isNaN { return false }
                    if b.value.isNaN { return true }
                    return a.value > b.value
                }
                out.append(contentsOf: sorted.prefix(count))
            }
        }
        return out
    }

    /// The labels a sample is grouped by: those listed (`by`), all but those and the name (`without`), or none.
    static func groupLabels(_ labels: [String: String], _ grouping: PromGrouping?) -> [String: String] {
        guard let grouping else { return [:] }
        if grouping.without {
            var out = labels.droppingName
            for l in grouping.labels { out.removeValue(forKey: l) }
            return out
        }
        var out: [String: String] = [:]
        for l in grouping.labels { if let v = labels[l] { out[l] = v } }
        return out
    }
}
