import Foundation

/// A recursive-descent parser for the PromQL subset sms answers. Anything outside it throws a `PromQLError`
/// that names the unsupported part, so a query is answered right or refused, never answered wrong.
struct PromQLParser {
    private let chars: [Character]
    private var index = 0
    /// Nesting so far; a query nested deeper than `maxDepth` is refused before it can exhaust the stack.
    private var depth = 0
    static let maxDepth = 100

    /// Parses a whole query.
    static func parse(_ text: String) throws(PromQLError) -> PromExpr {
        guard text.count <= 20_000 else { throw PromQLError("query longer than 20000 characters") }
        var parser = PromQLParser(text)
        let expr = try parser.expression()
        parser.skipSpace()
        guard parser.atEnd else { throw PromQLError("unexpected \(parser.rest) at position \(parser.index)") }
        return expr
    }

    /// Parses a series selector alone, as `match[]` takes it.
    static func parseSelector(_ text: String) throws(PromQLError) -> PromSelector {
        guard case .selector(let selector) = try parse(text) else {
            throw PromQLError("match[]: expected a series selector like name{label=\"value\"}, got \"\(text)\"")
        }
        return selector
    }

    private init(_ text: String) { chars = Array(text) }

    private var atEnd: Bool { index >= chars.count }
    private var rest: String { "\"" + String(chars[index...].prefix(20)) + "\"" }

    private mutating func skipSpace() {
        while index < chars.count {
            if chars[index].isWhitespace {
                index += 1
            } else if chars[index] == "#" {
                while index < chars.count, chars[index] != "\n" { index += 1 }
            } else {
                break
            }
        }
    }

    private mutating func peek(_ text: String) -> Bool {
        skipSpace()
        let t = Array(text)
        guard index + t.count <= chars.count else { return false }
        return Array(chars[index..<index + t.count]) == t
    }

    private mutating func take(_ text: String) -> Bool {
        guard peek(text) else { return false }
        index += text.count
        return true
    }

    private mutating func expect(_ text: String, _ what: String) throws(PromQLError) {
        guard take(text) else {
            throw PromQLError("expected \"\(text)\" \(what), got \(atEnd ? "end of input" : rest)")
        }
    }

    private static func isIdentStart(_ c: Character) -> Bool { c == "_" || c == ":" || (c.isASCII && c.isLetter) }
    private static func isIdent(_ c: Character) -> Bool { isIdentStart(c) || (c.isASCII && c.isNumber) }

    /// An identifier (metric names may hold `:`), without consuming it when `consume` is false.
    private mutating func identifier(consume: Bool = true) -> String? {
        skipSpace()
        guard index < chars.count, Self.isIdentStart(chars[index]) else { return nil }
        var end = index
        while end < chars.count, Self.isIdent(chars[end]) { end += 1 }
        let word = String(chars[index..<end])
        if consume { index = end }
        return word
    }

    // MARK: Operators, lowest precedence first.

    private mutating func expression() throws(PromQLError) -> PromExpr {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw PromQLError("query nested deeper than \(Self.maxDepth) levels") }
        let lhs = try comparison()
        if let word = identifier(consume: false), ["and", "or", "unless"].contains(word) {
            throw PromQLError("set operator \"\(word)\" is not supported")
        }
        return lhs
    }

    private mutating func comparison() throws(PromQLError) -> PromExpr {
        var lhs = try additive()
        while true {
            let op: PromBinaryOperator
            if take("==") {
                op = .equal
            } else if take("!=") {
                op = .notEqual
            } else if take(">=") {
                op = .greaterOrEqual
            } else if take("<=") {
                op = .lessOrEqual
            } else if take(">") {
                op = .greater
            } else if take("<") {
                op = .less
            } else {
                return lhs
            }
            let returnBool = try modifiers()
            lhs = try Self.binary(op, lhs, try additive(), returnBool: returnBool)
        }
    }

    private mutating func additive() throws(PromQLError) -> PromExpr {
        var lhs = try multiplicative()
        while true {
            let op: PromBinaryOperator
            if take("+") { op = .add } else if take("-") { op = .subtract } else { return lhs }
            _ = try modifiers(allowBool: false)
            lhs = try Self.binary(op, lhs, try multiplicative(), returnBool: false)
        }
    }

    private mutating func multiplicative() throws(PromQLError) -> PromExpr {
        var lhs = try unary()
        while true {
            let op: PromBinaryOperator
            if take("*") {
                op = .multiply
            } else if take("/") {
                op = .divide
            } else if take("%") {
                op = .modulo
            } else if let word = identifier(consume: false), word == "atan2" {
                throw PromQLError("operator \"atan2\" is not supported")
            } else {
                return lhs
            }
            _ = try modifiers(allowBool: false)
            lhs = try Self.binary(op, lhs, try unary(), returnBool: false)
        }
    }

    private mutating func unary() throws(PromQLError) -> PromExpr {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw PromQLError("query nested deeper than \(Self.maxDepth) levels") }
        if take("-") { return .negate(try unary()) }
        if take("+") { return try unary() }
        return try power()
    }

    /// `^` binds tighter than unary minus and is right-associative.
    private mutating func power() throws(PromQLError) -> PromExpr {
        let base = try postfix()
        guard take("^") else { return base }
        _ = try modifiers(allowBool: false)
        return try Self.binary(.power, base, try unary(), returnBool: false)
    }

    /// `bool` after a comparison; vector matching (`on`, `ignoring`, `group_left`…) is refused.
    private mutating func modifiers(allowBool: Bool = true) throws(PromQLError) -> Bool {
        var returnBool = false
        if allowBool, identifier(consume: false) == "bool" {
            _ = identifier()
            returnBool = true
        }
        if let word = identifier(consume: false), ["on", "ignoring", "group_left", "group_right"].contains(word) {
            throw PromQLError("vector matching (\"\(word)\") is not supported")
        }
        return returnBool
    }

    /// A binary operation, refused between two vectors (sms answers operations with a scalar side only).
    private static func binary(
        _ op: PromBinaryOperator, _ a: PromExpr, _ b: PromExpr, returnBool: Bool
    ) throws(PromQLError) -> PromExpr {
        let aScalar = a.isScalar
        let bScalar = b.isScalar
        if !aScalar && !bScalar {
            throw PromQLError(
                "binary operator \"\(op.rawValue)\" between two vectors is not supported; one side must be a number")
        }
        if a.isRange || b.isRange {
            throw PromQLError(
                "binary operator \"\(op.rawValue)\" needs an instant vector or a scalar, not a range vector")
        }
        if op.isComparison, aScalar, bScalar, !returnBool {
            throw PromQLError("comparisons between scalars must use BOOL modifier")
        }
        if returnBool, !op.isComparison { throw PromQLError("bool modifier can only be used on comparison operators") }
        return .binary(op, a, b, returnBool: returnBool)
    }

    // MARK: Terms.

    private mutating func postfix() throws(PromQLError) -> PromExpr {
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

    private mutating func primary() throws(PromQLError) -> PromExpr {
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

    private mutating func aggregate(_ op: PromAggregation) throws(PromQLError) -> PromExpr {
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

    private mutating func groupingClause() throws(PromQLError) -> PromGrouping? {
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
    private mutating func selector(name: String?) throws(PromQLError) -> PromSelector {
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
    private mutating func string() throws(PromQLError) -> String {
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

    private mutating func number() throws(PromQLError) -> Double {
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
    private mutating func duration() throws(PromQLError) -> Int64 {
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
