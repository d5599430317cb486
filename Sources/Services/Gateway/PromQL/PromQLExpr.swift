import Foundation

/// A PromQL expression of the subset sms answers (see docs/prometheus.md); the parser refuses everything else.
indirect enum PromExpr: Sendable {
    case number(Double)
    /// An instant vector selector: `name{matchers}`.
    case selector(PromSelector)
    /// A range vector selector: `name{matchers}[range]`.
    case range(PromSelector, rangeMs: Int64)
    /// `rate`, `increase` or `*_over_time` of a range vector.
    case function(PromFunction, PromExpr)
    /// `sum|avg|min|max|count|topk [by|without (labels)] ([k,] expr)`.
    case aggregate(PromAggregation, PromGrouping?, parameter: PromExpr?, PromExpr)
    /// Arithmetic or comparison where at least one side is a scalar.
    case binary(PromBinaryOperator, PromExpr, PromExpr, returnBool: Bool)
    case negate(PromExpr)

    /// Every selector in the expression, with the range it reads back from each evaluation time.
    var selectors: [(selector: PromSelector, rangeMs: Int64)] {
        switch self {
        case .number: []
        case .selector(let s): [(s, 0)]
        case .range(let s, let r): [(s, r)]
        case .function(_, let e), .negate(let e): e.selectors
        case .aggregate(_, _, let p, let e): (p?.selectors ?? []) + e.selectors
        case .binary(_, let a, let b, _): a.selectors + b.selectors
        }
    }
}

/// One label matcher: `name="v"`, `!=`, `=~` (anchored regular expression), `!~`.
struct PromMatcher: @unchecked Sendable {
    enum Kind: String, Sendable {
        case equal = "="
        case notEqual = "!="
        case regex = "=~"
        case notRegex = "!~"
    }
    let label: String
    let kind: Kind
    let value: String
    /// Compiled once; `NSRegularExpression` is immutable, hence safe to share.
    private let regex: NSRegularExpression?

    init(label: String, kind: Kind, value: String) throws(PromQLError) {
        self.label = label
        self.kind = kind
        self.value = value
        if kind == .regex || kind == .notRegex {
            do {
                regex = try NSRegularExpression(pattern: "^(?:\(value))$", options: [.dotMatchesLineSeparators])
            } catch {
                throw PromQLError("invalid regular expression \"\(value)\" in matcher for label \(label)")
            }
        } else {
            regex = nil
        }
    }

    /// A missing label matches as the empty string, as in Prometheus.
    func matches(_ labels: [String: String]) -> Bool {
        let actual = labels[label] ?? ""
        switch kind {
        case .equal: return actual == value
        case .notEqual: return actual != value
        case .regex, .notRegex:
            let range = NSRange(actual.startIndex..., in: actual)
            let found = regex?.firstMatch(in: actual, options: [.anchored], range: range) != nil
            return kind == .regex ? found : !found
        }
    }
}

/// The matchers of one selector (the metric name, if written, is a `__name__` equality matcher).
struct PromSelector: Sendable {
    var matchers: [PromMatcher]

    func matches(_ labels: [String: String]) -> Bool { matchers.allSatisfy { $0.matches(labels) } }

    /// The metric name when the selector fixes it with `__name__="…"`.
    var metricName: String? { matchers.first { $0.label == "__name__" && $0.kind == .equal }?.value }
}

enum PromFunction: String, Sendable, CaseIterable {
    case rate, increase
    case avgOverTime = "avg_over_time"
    case minOverTime = "min_over_time"
    case maxOverTime = "max_over_time"
}

enum PromAggregation: String, Sendable, CaseIterable {
    case sum, avg, min, max, count, topk
}

/// `by (…)` or `without (…)`.
struct PromGrouping: Sendable {
    var without: Bool
    var labels: [String]
}

enum PromBinaryOperator: String, Sendable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case modulo = "%"
    case power = "^"
    case equal = "=="
    case notEqual = "!="
    case greater = ">"
    case less = "<"
    case greaterOrEqual = ">="
    case lessOrEqual = "<="

    var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .greater, .less, .greaterOrEqual, .lessOrEqual: true
        default: false
        }
    }

    /// Go's semantics: `%` is fmod, `^` is pow; comparisons give 1 or 0.
    func apply(_ a: Double, _ b: Double) -> Double {
        switch self {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        case .divide: a / b
        case .modulo: fmod(a, b)
        case .power: pow(a, b)
        case .equal: a == b ? 1 : 0
        case .notEqual: a != b ? 1 : 0
        case .greater: a > b ? 1 : 0
        case .less: a < b ? 1 : 0
        case .greaterOrEqual: a >= b ? 1 : 0
        case .lessOrEqual: a <= b ? 1 : 0
        }
    }
}

/// A query sms refuses or cannot read: answered as Prometheus' `bad_data` error with this text.
struct PromQLError: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
