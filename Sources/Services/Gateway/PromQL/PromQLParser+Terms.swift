import Foundation

/// The terms of a query: selectors, function calls, aggregations, and the literals inside them.
extension PromQLParser {
    mutating func postfix() throws(PromQLError) -> PromExpr {
        var expr = try primary()
        if peek("[") {
            guard case .selector(let selector) = expr else {
                throw PromQLError("subqueries (an expression followed by [range:step]) are not supported")
            }
            index += 1
            let rangeMs = try duration()
            if peek(":") { throw PromQLError("subqueries ([range:step]) are not supported") }
            try expect("]", "after the range")
            expr = .range(selector, rangeMs: rangeMs)
        }
        if let word = identifier(consume: false), word == "offset" {
            throw PromQLError("the offset modifier is not supported")
        }
        if peek("@") { throw PromQLError("the @ modifier is not supported") }
        return expr
    }

    mutating func primary() throws(PromQLError) -> PromExpr {
        skipSpace()
        guard !atEnd else { throw PromQLError("unexpected end of input") }
        let c = chars[index]
        if c == "(" {
            index += 1
            let inner = try expression()
            try expect(")", "to close the parenthesis")
            return inner
        }
        if c == "\"" || c == "'" || c == "`" { throw PromQLError("string literals are not supported") }
        if c == "{" { return .selector(try selector(name: nil)) }
        if c.isNumber || c == "." { return .number(try number()) }
        guard let word = identifier() else { throw PromQLError("unexpected \(rest) at position \(index)") }
        let lower = word.lowercased()
        if lower == "inf" { return .number(.infinity) }
        if lower == "nan" { return .number(.nan) }
        if let aggregation = PromAggregation(rawValue: word) { return try aggregate(aggregation) }
        if Self.unsupportedAggregations.contains(word) {
            throw PromQLError("aggregation \"\(word)\" is not supported (sum, avg, min, max, count and topk are)")
        }
        if peek("(") {
            guard let function = PromFunction(rawValue: word) else {
                throw PromQLError(
                    "function \"\(word)\" is not supported (rate, increase, avg_over_time, min_over_time and max_over_time are)"
                )
            }
            index += 1
            let argument = try expression()
            try expect(")", "after the argument of \(word)")
            guard argument.isRange else {
                throw PromQLError("\(word): expected a range vector like name[5m] as the argument")
            }
            return .function(function, argument)
        }
        return .selector(try selector(name: word))
    }

    private static let unsupportedAggregations: Set<String> = [
        "bottomk", "quantile", "stddev", "stdvar", "count_values", "group", "limitk", "limit_ratio",
    ]

    mutating func aggregate(_ op: PromAggregation) throws(PromQLError) -> PromExpr {
        var grouping = try groupingClause()
        try expect("(", "after \(op.rawValue)")
        var parameter: PromExpr?
        var inner = try expression()
        if take(",") {
            parameter = inner
            inner = try expression()
        }
        try expect(")", "to close \(op.rawValue)(…)")
        if grouping == nil { grouping = try groupingClause() }
        if op == .topk {
            guard let parameter, parameter.isScalar else {
                throw PromQLError("topk: expected a number k first: topk(3, …)")
            }
        } else if parameter != nil {
            throw PromQLError("\(op.rawValue): takes one argument")
        }
        guard !inner.isScalar, !inner.isRange else {
            throw PromQLError("\(op.rawValue): expected an instant vector as the argument")
        }
        return .aggregate(op, grouping, parameter: parameter, inner)
    }

    mutating func groupingClause() throws(PromQLError) -> PromGrouping? {
        guard let word = identifier(consume: false), word == "by" || word == "without" else { return nil }
        _ = identifier()
        try expect("(", "after \(word)")
        var labels: [String] = []
        while !take(")") {
            guard let label = identifier() else {
                throw PromQLError("expected a label name in \(word)(…), got \(rest)")
            }
            labels.append(label)
            if !take(",") {
                try expect(")", "to close \(word)(…)")
                break
            }
        }
        return PromGrouping(without: word == "without", labels: labels)
    }

    /// `{label op "value", …}` after an optional metric name.
    mutating func selector(name: String?) throws(PromQLError) -> PromSelector {
        var matchers: [PromMatcher] = []
        if let name { matchers.append(try PromMatcher(label: "__name__", kind: .equal, value: name)) }
        if take("{") {
            while !take("}") {
                guard let label = identifier() else { throw PromQLError("expected a label name, got \(rest)") }
                let kind: PromMatcher.Kind
                if take("=~") {
                    kind = .regex
                } else if take("!~") {
                    kind = .notRegex
                } else if take("!=") {
                    kind = .notEqual
                } else if take("=") {
                    kind = .equal
                } else {
                    throw PromQLError("expected =, !=, =~ or !~ after \(label), got \(rest)")
                }
                matchers.append(try PromMatcher(label: label, kind: kind, value: try string()))
                if !take(",") {
                    try expect("}", "to close the selector")
                    break
                }
            }
        }
        guard matchers.contains(where: { !$0.matches([:]) }) else {
            throw PromQLError("vector selector must contain at least one non-empty matcher")
        }
        return PromSelector(matchers: matchers)
    }

    /// A quoted string with Go's escapes (the common ones).
    mutating func string() throws(PromQLError) -> String {
        skipSpace()
        guard index < chars.count, chars[index] == "\"" || chars[index] == "'" || chars[index] == "`" else {
            throw PromQLError("expected a quoted label value, got \(atEnd ? "end of input" : rest)")
        }
        let quote = chars[index]
        index += 1
        var out = ""
        while index < chars.count, chars[index] != quote {
            var c = chars[index]
            if c == "\\", quote != "`", index + 1 < chars.count {
                index += 1
                switch chars[index] {
                case "n": c = "\n"
                case "t": c = "\t"
                case "r": c = "\r"
                default: c = chars[index]
                }
            }
            out.append(c)
            index += 1
        }
        guard index < chars.count else { throw PromQLError("unterminated quoted string") }
        index += 1
        return out
    }

    mutating func number() throws(PromQLError) -> Double {
        skipSpace()
        var end = index
        while end < chars.count,
            chars[end].isHexDigit || ".xX".contains(chars[end])
                || ((chars[end] == "+" || chars[end] == "-") && end > index && "eE".contains(chars[end - 1]))
        {
            end += 1
        }
        let text = String(chars[index..<end])
        if end < chars.count, Self.isIdentStart(chars[end]) {
            throw PromQLError("durations like \(text)\(chars[end]) are only allowed inside [ ]")
        }
        guard let value = Double(text) else { throw PromQLError("bad number \"\(text)\"") }
        index = end
        return value
    }

    /// `5m`, `1h30m`, `90s`, `250ms`: Prometheus' duration syntax, in milliseconds.
    mutating func duration() throws(PromQLError) -> Int64 {
        skipSpace()
        var total: Int64 = 0
        var any = false
        while index < chars.count, chars[index].isNumber {
            var digits = ""
            while index < chars.count, chars[index].isNumber {
                digits.append(chars[index])
                index += 1
            }
            var unit = ""
            while index < chars.count, chars[index].isLetter {
                unit.append(chars[index])
                index += 1
            }
            let scale: Int64? =
                switch unit {
                case "ms": 1
                case "s": 1000
                case "m": 60_000
                case "h": 3_600_000
                case "d": 86_400_000
                case "w": 7 * 86_400_000
                case "y": 365 * 86_400_000
                default: nil
                }
            guard let scale, let n = Int64(digits) else { throw PromQLError("bad duration unit \"\(unit)\" in range") }
            let (part, overflow) = n.multipliedReportingOverflow(by: scale)
            guard !overflow, part <= 1000 * 365 * 86_400_000 - total else { throw PromQLError("duration too long") }
            total += part
            any = true
        }
        guard any, total > 0 else { throw PromQLError("expected a duration like 5m inside [ ], got \(rest)") }
        return total
    }
}

extension PromExpr {
    /// True when the expression evaluates to a scalar (numbers and arithmetic of numbers).
    var isScalar: Bool {
        switch self {
        case .number: true
        case .negate(let e): e.isScalar
        case .binary(_, let a, let b, _): a.isScalar && b.isScalar
        default: false
        }
    }

    var isRange: Bool { if case .range = self { true } else { false } }
}
