import Foundation
import Spec

/// The points of one series in Prometheus' terms (labels include `__name__` until a function drops it).
struct PromSeries: Sendable {
    var labels: [String: String]
    var t: [Int64]
    var v: [Double]
}

/// One element of an instant vector.
struct PromInstant: Sendable {
    var labels: [String: String]
    var value: Double
}

/// What an expression evaluates to at one instant.
enum PromValue: Sendable {
    case scalar(Double)
    case vector([PromInstant])
    case matrix([PromSeries])
}

/// Where the engine reads series: sms's history (or a fixture in tests).
protocol PromSeriesSource: Sendable {
    /// Every series matching `selector`, with its points in [fromMs, toMs], oldest first; `stepMs` is the
    /// resolution the caller needs (the source may answer from a coarser tier for long ranges).
    func select(_ selector: PromSelector, fromMs: Int64, toMs: Int64, stepMs: Int64) async throws -> [PromSeries]
}

/// Evaluates the PromQL subset with Prometheus' semantics (2.x): 5-minute lookback for instant selectors,
/// closed `[t - range, t]` windows, `rate`/`increase` extrapolated as Prometheus does.
struct PromQLEngine: Sendable {
    static let lookbackMs: Int64 = 5 * 60_000
    let source: any PromSeriesSource

    /// Checks what can be checked before reading data: `rate` and `increase` apply to counters only.
    static func validate(_ expr: PromExpr) throws(PromQLError) {
        switch expr {
        case .number, .selector, .range: return
        case .function(let f, let inner):
            if f == .rate || f == .increase, case .range(let selector, _) = inner {
                let name = selector.metricName
                let counter =
                    name.flatMap { MetricCatalog.catalogName(prometheus: $0) }
                    .flatMap { MetricCatalog.prometheusName($0) }?.counter ?? false
                guard counter else {
                    throw PromQLError(
                        "\(f.rawValue) applies to counters only, and \(name ?? "a selector without a metric name") is not one: sms stores rates as gauges already (…_per_second); counters are named …_total"
                    )
                }
            }
            try validate(inner)
        case .negate(let e): try validate(e)
        case .aggregate(_, _, let p, let e):
            if let p { try validate(p) }
            try validate(e)
        case .binary(_, let a, let b, _):
            try validate(a)
            try validate(b)
        }
    }

    /// The series each selector needs for evaluations from `startMs` to `endMs`.
    private func load(_ expr: PromExpr, startMs: Int64, endMs: Int64, stepMs: Int64) async throws -> [[PromSeries]] {
        var out: [[PromSeries]] = []
        for (selector, rangeMs) in expr.selectors {
            let back = rangeMs > 0 ? rangeMs : Self.lookbackMs
            out.append(try await source.select(selector, fromMs: startMs - back, toMs: endMs, stepMs: stepMs))
        }
        return out
    }

    func instant(_ expr: PromExpr, atMs: Int64) async throws -> PromValue {
        try Self.validate(expr)
        let data = try await load(expr, startMs: atMs, endMs: atMs, stepMs: 1000)
        var cursor = 0
        return try Self.eval(expr, at: atMs, data: data, cursor: &cursor)
    }

    /// Evaluates at every step from `startMs` to `endMs`; the answer is a matrix, series sorted by labels.
    func range(_ expr: PromExpr, startMs: Int64, endMs: Int64, stepMs: Int64) async throws -> [PromSeries] {
        try Self.validate(expr)
        if expr.isRange {
            throw PromQLError(
                "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector")
        }
        let data = try await load(expr, startMs: startMs, endMs: endMs, stepMs: stepMs)
        var out: [String: PromSeries] = [:]
        var t = startMs
        while t <= endMs {
            var cursor = 0
            switch try Self.eval(expr, at: t, data: data, cursor: &cursor) {
            case .scalar(let v): out["{}", default: PromSeries(labels: [:], t: [], v: [])].append(t, v)
            case .vector(let samples):
                for s in samples {
                    out[Self.signature(s.labels), default: PromSeries(labels: s.labels, t: [], v: [])].append(
                        t, s.value)
                }
            case .matrix: throw PromQLError("a range query cannot return a range vector")
            }
            t += stepMs
        }
        return out.sorted { $0.key < $1.key }.map(\.value)
    }

    static func signature(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.debugDescription)" }.joined(separator: ",")
    }

    // MARK: Evaluation at one instant.

    static func eval(_ expr: PromExpr, at t: Int64, data: [[PromSeries]], cursor: inout Int) throws -> PromValue {
        switch expr {
        case .number(let v): return .scalar(v)
        case .selector:
            let series = data[cursor]
            cursor += 1
            return .vector(
                series.compactMap { s -> PromInstant? in
                    guard let i = s.lastIndex(atOrBefore: t), s.t[i] >= t - lookbackMs else { return nil }
                    return PromInstant(labels: s.labels, value: s.v[i])
                })
        case .range(_, let rangeMs):
            let series = data[cursor]
            cursor += 1
            return .matrix(series.compactMap { $0.window(from: t - rangeMs, to: t) })
        case .function(let f, let inner):
            guard case .matrix(let windows) = try eval(inner, at: t, data: data, cursor: &cursor),
                case .range(_, let rangeMs) = inner
            else { throw PromQLError("\(f.rawValue): expected a range vector") }
            return .vector(try dedup(windows.compactMap { Self.apply(f, $0, rangeMs: rangeMs, at: t) }))
        case .negate(let inner):
            switch try eval(inner, at: t, data: data, cursor: &cursor) {
            case .scalar(let v): return .scalar(-v)
            case .vector(let samples):
                return .vector(try dedup(samples.map { PromInstant(labels: $0.labels.droppingName, value: -$0.value) }))
            case .matrix: throw PromQLError("unary minus needs an instant vector or a scalar")
            }
        case .aggregate(let op, let grouping, let parameter, let inner):
            var k = 0.0
            if let parameter, case .scalar(let v) = try eval(parameter, at: t, data: data, cursor: &cursor) { k = v }
            guard case .vector(let samples) = try eval(inner, at: t, data: data, cursor: &cursor) else {
                throw PromQLError("\(op.rawValue): expected an instant vector")
            }
            return .vector(Self.aggregate(op, grouping, k: k, samples))
        case .binary(let op, let a, let b, let returnBool):
            let lhs = try eval(a, at: t, data: data, cursor: &cursor)
            let rhs = try eval(b, at: t, data: data, cursor: &cursor)
            return try binary(op, lhs, rhs, returnBool: returnBool)
        }
    }

    /// Prometheus refuses a vector in which two elements have the same labels (e.g. after dropping the name).
    static func dedup(_ samples: [PromInstant]) throws -> [PromInstant] {
        var seen = Set<String>()
        for s in samples where !seen.insert(signature(s.labels)).inserted {
            throw PromQLError("vector cannot contain metrics with the same labelset")
        }
        return samples
    }

    static func binary(_ op: PromBinaryOperator, _ lhs: PromValue, _ rhs: PromValue, returnBool: Bool) throws
        -> PromValue
    {
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)): return .scalar(op.apply(a, b))
        case (.vector(let samples), .scalar(let s)):
            return .vector(try vectorScalar(op, samples, returnBool: returnBool) { op.apply($0, s) })
        case (.scalar(let s), .vector(let samples)):
            return .vector(try vectorScalar(op, samples, returnBool: returnBool) { op.apply(s, $0) })
        default: throw PromQLError("binary operator \"\(op.rawValue)\" between two vectors is not supported")
        }
    }

    /// Arithmetic drops the metric name; a comparison filters (keeping the vector's value) or, with `bool`, gives
    /// 0 or 1 without the name.
    private static func vectorScalar(
        _ op: PromBinaryOperator, _ samples: [PromInstant], returnBool: Bool, _ f: (Double) -> Double
    ) throws -> [PromInstant] {
        var out: [PromInstant] = []
        for s in samples {
            let r = f(s.value)
            if op.isComparison {
                if returnBool {
                    out.append(PromInstant(labels: s.labels.droppingName, value: r))
                } else if r == 1 {
                    out.append(s)
                }
            } else {
                out.append(PromInstant(labels: s.labels.droppingName, value: r))
            }
        }
        return try dedup(out)
    }
}

extension PromSeries {
    mutating func append(_ time: Int64, _ value: Double) {
        t.append(time)
        v.append(value)
    }

    /// Index of the newest point at or before `time` (binary search).
    func lastIndex(atOrBefore time: Int64) -> Int? {
        var lo = 0
        var hi = t.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if t[mid] <= time { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : lo - 1
    }

    /// The points in the closed window [from, to]; nil when there are none.
    func window(from: Int64, to: Int64) -> PromSeries? {
        guard let last = lastIndex(atOrBefore: to) else { return nil }
        var first = last
        while first > 0, t[first - 1] >= from { first -= 1 }
        guard t[first] >= from else { return nil }
        return PromSeries(labels: labels, t: Array(t[first...last]), v: Array(v[first...last]))
    }
}

extension Dictionary where Key == String, Value == String {
    var droppingName: [String: String] {
        var out = self
        out.removeValue(forKey: "__name__")
        return out
    }
}
