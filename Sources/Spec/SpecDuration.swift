import Foundation

/// A duration written in the spec as `500ms`, `1s`, `5m`, `48h`, `30d` or `2w`; kept in milliseconds.
public struct SpecDuration: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static let zero = SpecDuration(milliseconds: 0)
    public static func seconds(_ s: Int64) -> SpecDuration { .init(milliseconds: s * 1000) }
    public static func minutes(_ m: Int64) -> SpecDuration { .seconds(m * 60) }
    public static func hours(_ h: Int64) -> SpecDuration { .minutes(h * 60) }
    public static func days(_ d: Int64) -> SpecDuration { .hours(d * 24) }

    public var seconds: Double { Double(milliseconds) / 1000 }
    public var duration: Duration { .milliseconds(milliseconds) }

    static let units: [(suffix: String, ms: Int64)] = [
        ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// Parses `1s`, `1m30s`, `250ms`, `48h`; nil when the text is not a duration.
    public init?(parsing text: String) {
        var total: Int64 = 0
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: \.isNumber)
            guard !digits.isEmpty, let n = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix(while: \.isLetter)
            guard let unit = Self.units.first(where: { $0.suffix == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            let (product, overflow) = n.multipliedReportingOverflow(by: unit.ms)
            guard !overflow else { return nil }
            // `1000000000000000h1000000000000000h` must fail, not trap: the sum can overflow too.
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return nil }
            total = sum
        }
        milliseconds = total
    }

    /// The shortest spelling: `90s` → `1m30s`, `0` → `0s`.
    public var description: String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds
        var out = ""
        for unit in Self.units where rest >= unit.ms {
            out += "\(rest / unit.ms)\(unit.suffix)"
            rest %= unit.ms
        }
        return out
    }

    public static func < (a: SpecDuration, b: SpecDuration) -> Bool { a.milliseconds < b.milliseconds }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let d = SpecDuration(parsing: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a duration: \(text)"))
        }
        self = d
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
