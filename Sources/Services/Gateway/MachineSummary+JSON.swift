import SMSCore

/// `MachineSummary` as JSON, written by hand: the live feed encodes one per changed machine per flush (2,500 a
/// second at 2,500 collectors), and Foundation's `JSONEncoder` spent ~100 µs on each. Same keys and values as the
/// `Codable` form (nil fields left out), which `JSONDecoder` reads back; a non-finite number is written as null.
extension MachineSummary {
    var json: [UInt8] {
        var w = JSONBytes()
        w.beginObject()
        do {
            w.field("id", id)
            w.field("host", host)
            w.key("labels")
            w.beginObject()
            for (k, v) in labels.sorted(by: { $0.key < $1.key }) { w.field(k, v) }
            w.endObject()
            w.field("intervalMs", intervalMs)
            w.field("declared", declared)
            w.field("status", status.rawValue)
            w.field("connected", connected)
            w.field("lastSeenMs", lastSeenMs)
            w.field("lastSampleMs", lastSampleMs)
            w.field("lagMs", lagMs)
            w.field("clockOffsetMs", clockOffsetMs)
            w.field("agentVersion", agentVersion)
            w.field("configHash", configHash)
            w.field("specDrift", specDrift)
            w.field("backlog", backlog.map { Int64(clamping: $0) })
            w.field("samplesPerSecond", samplesPerSecond)
            if let completeness {
                w.key("completeness")
                w.beginObject()
                for (window, ratio) in completeness.sorted(by: { $0.key < $1.key }) { w.field(window, ratio) }
                w.endObject()
            }
            w.key("values")
            values.write(to: &w)
            w.field("alertState", alertState?.rawValue)
            w.key("alerts")
            w.beginArray()
            for alert in alerts {
                w.element()
                alert.write(to: &w)
            }
            w.endArray()
        }
        w.endObject()
        return w.bytes
    }
}

extension KeyValues {
    func write(to w: inout JSONBytes) {
        w.beginObject()
        for figure in CardFigure.all {
            w.field(figure.field, self[keyPath: figure.value])
            if figure.combine == .fullest { w.field("diskMount", diskMount) }
            if figure.combine == .busiest { w.field("topContainer", topContainer) }
        }
        w.endObject()
    }
}

extension AlertStatusDTO {
    func write(to w: inout JSONBytes) {
        w.beginObject()
        do {
            w.field("rule", rule)
            w.field("machine", machine)
            w.field("series", series)
            w.field("severity", severity.rawValue)
            w.field("state", state.rawValue)
            w.field("sinceMs", sinceMs)
            w.field("endedMs", endedMs)
            w.field("value", value)
            w.field("threshold", threshold)
            w.field("message", message)
        }
        w.endObject()
    }
}

/// A minimal JSON writer into bytes: objects, arrays, strings (escaped per RFC 8259), numbers, booleans.
/// Optional fields that are nil are left out, as the synthesized `Codable` conformances do.
struct JSONBytes {
    private(set) var bytes: [UInt8] = []
    private var first = true

    init() { bytes.reserveCapacity(512) }

    mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        first = true
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        first = false
    }

    mutating func beginArray() {
        bytes.append(UInt8(ascii: "["))
        first = true
    }

    /// Before each array element.
    mutating func element() {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = true
    }

    mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        first = false
    }

    mutating func key(_ name: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    mutating func field(_ name: String, _ value: Int64?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func field(_ name: String, _ value: Bool?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func field(_ name: String, _ value: Double?) {
        guard let value else { return }
        key(name)
        if value.isFinite {
            if value == value.rounded(), abs(value) < 1e15 {
                bytes.append(contentsOf: String(Int64(value)).utf8)
            } else {
                bytes.append(contentsOf: value.description.utf8)
            }
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), c])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), c])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(Self.hex[Int(c >> 4)])
                bytes.append(Self.hex[Int(c & 15)])
            default: bytes.append(c)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
