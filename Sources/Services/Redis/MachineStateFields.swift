import SMSCore
import Foundation
import NIOCore

/// How a ``MachineState`` is spread over a Redis hash's fields, and read back.
enum MachineStateFields {
    /// Prefix of the one field per series: `v:cpu.usage_percent`, `v:disk.used_percent{mount="/"}`.
    static let valuePrefix = "v:"

    /// The state in an HGETALL reply; nil when the hash does not exist (never written, or expired).
    static func state(id: String, _ reply: RESPValue) -> MachineState? {
        guard let fields = reply.array, !fields.isEmpty else { return nil }
        var state = MachineState(id: id)
        for index in stride(from: 0, to: fields.count - 1, by: 2) {
            guard let name = fields[index].string, let text = fields[index + 1].string else { continue }
            switch name {
            case "connected": state.connected = text == "1"
            case "lastSeenMs": state.lastSeenMs = Int64(text)
            case "lastSampleMs": state.lastSampleMs = Int64(text)
            case "lastSeq": state.lastSeq = UInt64(text)
            case "lagMs": state.lagMs = Int64(text)
            case "clockOffsetMs": state.clockOffsetMs = Int64(text)
            case "agentVersion": state.agentVersion = text
            case "specHash": state.specHash = text
            case "backlog": state.backlog = UInt64(text)
            case "samplesPerSecond": state.samplesPerSecond = Double(text) ?? 0
            case "top": state.top = decodeTop(text)
            default:
                if name.hasPrefix(valuePrefix), let value = Double(text) {
                    state.values[String(name.dropFirst(valuePrefix.count))] = value
                }
            }
        }
        return state
    }

    static func encodeTop(_ top: [TopProcess]) -> String {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return (try? encoder.encode(top)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    static func decodeTop(_ text: String) -> [TopProcess] {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return (try? decoder.decode([TopProcess].self, from: Data(text.utf8))) ?? []
    }
}
