import SMSCore
import Foundation
import Spec

/// Parses `/api/history`'s query parameters and picks the tier and step for the range asked.
struct HistoryRange: Equatable {
    var fromMs: Int64
    var toMs: Int64
    var stepMs: Int64
    /// The tier asked for; nil lets the store choose by range and retention.
    var tier: HistoryTier?

    /// Points per series the dashboard wants at most; enough for a full-width chart.
    static let targetPoints: Int64 = 720

    /// `from`/`to` as ms since the epoch, `now`, or relative to now: `-15m`, `now-1h`.
    static func parseTime(_ text: String, name: String, nowMs: Int64) throws(APIError) -> Int64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "now" { return nowMs }
        if let ms = Int64(t), ms >= 0 { return ms }
        var rel = Substring(t)
        if rel.hasPrefix("now") { rel = rel.dropFirst(3) }
        if rel.hasPrefix("-"), let d = SpecDuration(parsing: String(rel.dropFirst())) {
            return nowMs - d.milliseconds
        }
        throw .badRequest("\(name): expected ms since the epoch, \"now\" or a relative time like -15m, got \"\(text)\"")
    }

    /// The step for a range when none is asked: about `targetPoints` buckets, whole seconds for ranges the
    /// store serves from raw samples and whole minutes beyond (so the store can answer from rollups).
    static func defaultStep(rangeMs: Int64, minStepMs: Int64) -> Int64 {
        let ideal = rangeMs / targetPoints
        if rangeMs <= 6 * 3_600_000 { return max(minStepMs, roundUp(ideal, to: 1000)) }
        if ideal > 3_600_000 { return roundUp(ideal, to: 3_600_000) }
        return max(60_000, roundUp(ideal, to: 60_000))
    }

    /// The parameters of one request; every problem names the parameter.
    static func parse(
        from: String?, to: String?, step: String?, tier: String?, nowMs: Int64, minStepMs: Int64
    ) throws(APIError) -> HistoryRange {
        let toMs = try to.map { text throws(APIError) in try parseTime(text, name: "to", nowMs: nowMs) } ?? nowMs
        let fromMs =
            try from.map { text throws(APIError) in try parseTime(text, name: "from", nowMs: nowMs) }
            ?? toMs - 15 * 60_000
        guard fromMs < toMs else { throw .badRequest("from: must be before to (\(fromMs) ≥ \(toMs))") }
        guard toMs - fromMs <= 800 * 86_400_000 else { throw .badRequest("from: range longer than 800 days") }
        var requested: HistoryTier?
        if let tier {
            guard let t = HistoryTier(rawValue: tier) else {
                throw .badRequest("tier: expected raw, 1m or 1h, got \"\(tier)\"")
            }
            requested = t
        }
        var stepMs = defaultStep(rangeMs: toMs - fromMs, minStepMs: max(1000, minStepMs))
        if let step {
            guard let d = SpecDuration(parsing: step) ?? Int64(step).map({ SpecDuration(milliseconds: $0) }),
                d.milliseconds > 0
            else { throw .badRequest("step: expected a duration like 10s or ms, got \"\(step)\"") }
            guard (toMs - fromMs) / d.milliseconds <= 20_000 else {
                throw .badRequest("step: \(d) gives more than 20000 points for this range")
            }
            stepMs = d.milliseconds
        }
        return HistoryRange(fromMs: fromMs, toMs: toMs, stepMs: stepMs, tier: requested)
    }

    static func roundUp(_ value: Int64, to unit: Int64) -> Int64 {
        ((value + unit - 1) / unit) * unit
    }

    /// `mount:/,device:sda` → `["mount": "/", "device": "sda"]`.
    static func parseLabels(_ text: String?) throws(APIError) -> [String: String] {
        guard let text, !text.isEmpty else { return [:] }
        var labels: [String: String] = [:]
        for pair in text.split(separator: ",") {
            guard let colon = pair.firstIndex(of: ":"), colon != pair.startIndex else {
                throw .badRequest("labels: expected key:value pairs separated by commas, got \"\(text)\"")
            }
            labels[String(pair[..<colon])] = String(pair[pair.index(after: colon)...])
        }
        return labels
    }
}
