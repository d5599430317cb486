import Foundation

/// A recursive-descent parser for the PromQL subset sms answers. Anything outside it throws a `PromQLError`
/// that names the unsupported part, so a query is answered right or refused, never answered wrong.
struct PromQLParser {
    let chars: [Character]
    var index = 0
    /// Nesting so far; a query nested deeper than `maxDepth` is refused before it can exhaust the stack.
    var depth = 0
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

    init(_ text: String) { chars = Array(text) }

    var atEnd: Bool { index >= chars.count }
    var rest: String { "\"" + String(chars[index...].prefix(20)) + "\"" }

    mutating func skipSpace() {
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

    mutating func peek(_ text: String) -> Bool {
        skipSpace()
        let t = Array(text)
        guard index + t.count <= chars.count else { return false }
        return Array(chars[index..<index + t.count]) == t
    }

    mutating func take(_ text: String) -> Bool {
        guard peek(text) else { return false }
        index += text.count
        return true
    }

    mutating func expect(_ text: String, _ what: String) throws(PromQLError) {
        guard take(text) else {
            throw PromQLError("expected \"\(text)\" \(what), got \(atEnd ? "end of input" : rest)")
        }
    }

    static func isIdentStart(_ c: Character) -> Bool { c == "_" || c == ":" || (c.isASCII && c.isLetter) }
    static func isIdent(_ c: Character) -> Bool { isIdentStart(c) || (c.isASCII && c.isNumber) }

    /// An identifier (metric names may hold `:`), without consuming it when `consume` is false.
    mutating func identifier(consume: Bool = true) -> String? {
        skipSpace()
        guard index < chars.count, Self.isIdentStart(chars[index]) else { return nil }
        var end = index
        while end < chars.count, Self.isIdent(chars[end]) { end += 1 }
        let word = String(chars[index..<end])
        if consume { index = end }
        return word
    }

    // MARK: Operators, lowest precedence first.

    mutating func expression() throws(PromQLError) -> PromExpr {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw PromQLError("query nested deeper than \(Self.maxDepth) levels") }
        let lhs = try comparison()
        if let word = identifier(consume: false), ["and", "or", "unless"].contains(word) {
            throw PromQLError("set operator \"\(word)\" is not supported")
        }
        return lhs
    }

    mutating func comparison() throws(PromQLError) -> PromExpr {
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

    mutating func additive() throws(PromQLError) -> PromExpr {
        var lhs = try multiplicative()
        while true {
            let op: PromBinaryOperator
            if take("+") { op = .add } else if take("-") { op = .subtract } else { return lhs }
            _ = try modifiers(allowBool: false)
            lhs = try Self.binary(op, lhs, try multiplicative(), returnBool: false)
        }
    }

    mutating func multiplicative() throws(PromQLError) -> PromExpr {
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

    mutating func unary() throws(PromQLError) -> PromExpr {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw PromQLError("query nested deeper than \(Self.maxDepth) levels") }
        if take("-") { return .negate(try unary()) }
        if take("+") { return try unary() }
        return try power()
    }

    /// `^` binds tighter than unary minus and is right-associative.
    mutating func power() throws(PromQLError) -> PromExpr {
        let base = try postfix()
        guard take("^") else { return base }
        _ = try modifiers(allowBool: false)
        return try Self.binary(.power, base, try unary(), returnBool: false)
    }

    /// `bool` after a comparison; vector matching (`on`, `ignoring`, `group_left`…) is refused.
    mutating func modifiers(allowBool: Bool = true) throws(PromQLError) -> Bool {
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
    static func binary(
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
}
