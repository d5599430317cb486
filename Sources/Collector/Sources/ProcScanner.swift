import SMSCore

/// A forward-only cursor over the text of a kernel file: blank-separated tokens on lines, read without regex
/// and without building intermediate strings.
struct ProcScanner {
    let bytes: ArraySlice<UInt8>
    private(set) var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    var isAtEnd: Bool { index >= bytes.endIndex }

    /// Skips spaces and tabs, staying on the current line.
    mutating func skipBlanks() {
        while index < bytes.endIndex, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
            index += 1
        }
    }

    /// The next blank-separated token on the current line, or nil when the line has no more.
    mutating func token() -> ArraySlice<UInt8>? {
        skipBlanks()
        let start = index
        while index < bytes.endIndex, !Self.isSeparator(bytes[index]) {
            index += 1
        }
        return index > start ? bytes[start..<index] : nil
    }

    /// The next token as an unsigned integer; nil when the line has no more tokens or the token is not one.
    mutating func uint64() -> UInt64? {
        token().flatMap(Self.uint64)
    }

    /// Skips up to `count` tokens; false when the line ended first.
    mutating func skipTokens(_ count: Int) -> Bool {
        for _ in 0..<count {
            guard token() != nil else { return false }
        }
        return true
    }

    /// Moves to the start of the next line.
    mutating func nextLine() {
        while index < bytes.endIndex, bytes[index] != UInt8(ascii: "\n") {
            index += 1
        }
        if index < bytes.endIndex { index += 1 }
    }

    /// The rest of the current line without its newline, moving past it; nil at the end of the input.
    mutating func line() -> ArraySlice<UInt8>? {
        guard !isAtEnd else { return nil }
        let start = index
        while index < bytes.endIndex, bytes[index] != UInt8(ascii: "\n") {
            index += 1
        }
        let end = index
        if index < bytes.endIndex { index += 1 }
        return bytes[start..<end]
    }

    private static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
    }

    /// Decimal digits as an unsigned integer; nil when empty, not all digits, or over 64 bits.
    static func uint64(_ token: ArraySlice<UInt8>) -> UInt64? {
        guard !token.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in token {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// An optionally negative decimal integer (sysfs temperatures can be below zero).
    static func int64(_ token: ArraySlice<UInt8>) -> Int64? {
        if token.first == UInt8(ascii: "-") {
            guard let magnitude = uint64(token.dropFirst()), magnitude <= UInt64(Int64.max) else { return nil }
            return -Int64(magnitude)
        }
        guard let value = uint64(token), value <= UInt64(Int64.max) else { return nil }
        return Int64(value)
    }

    /// A non-negative decimal with an optional fraction (`2.16`, `287.30`), as the kernel prints them. The digits
    /// are divided as one integer by a power of ten, so the result is the double nearest the text, as a literal is.
    static func double(_ token: ArraySlice<UInt8>) -> Double? {
        guard let dot = token.firstIndex(of: UInt8(ascii: ".")) else {
            return uint64(token).map(Double.init)
        }
        let digits = token[(dot + 1)...]
        guard let whole = uint64(token[..<dot]), digits.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else {
            return nil
        }
        let fraction = digits.prefix(12)
        let part = uint64(fraction) ?? 0
        var scale: UInt64 = 1
        for _ in fraction { scale *= 10 }
        let (mantissa, overflow) = whole.multipliedReportingOverflow(by: scale)
        if !overflow, mantissa < 1 << 53 {
            return Double(mantissa + part) / Double(scale)
        }
        return Double(whole) + Double(part) / Double(scale)
    }
}

extension ArraySlice<UInt8> {
    /// True when these bytes are exactly the ASCII text `literal`, compared without allocating.
    func equals(_ literal: StaticString) -> Bool {
        elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// True when these bytes start with the ASCII text `literal`.
    func hasPrefix(_ literal: StaticString) -> Bool {
        let prefix = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        return count >= prefix.count && self.prefix(prefix.count).elementsEqual(prefix)
    }

    /// The bytes as a string; names of at most 15 bytes (devices, interfaces, comm) stay inline, unallocated.
    var utf8String: String { String(decoding: self, as: UTF8.self) }
}
