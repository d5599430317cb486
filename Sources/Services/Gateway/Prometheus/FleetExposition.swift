import SMSCore
import Spec

/// The current value of every series of every live machine, as Prometheus samples stamped with the time the
/// collector took them. A machine that is disconnected or silent for 3 intervals (at least 15 s), the rule that
/// marks it down, is left out: its series disappear instead of freezing.
struct FleetExposition: Sendable {
    let context: GatewayContext
    /// Each machine's newest batch (from the live feed): its series are the ones the machine still reports. Until
    /// one arrives (just after a start, or in router-mode tests) the live state's values stand in.
    var latest: LatestBatches?

    func samples(nowMs: Int64 = FleetView.nowMs()) async throws -> [PromSample] {
        let spec = context.spec.current().spec
        var out: [PromSample] = []
        for state in try await context.state.all() {
            let intervalMs = (spec.machine(state.id)?.interval ?? spec.defaults.interval).milliseconds
            guard Self.isLive(state, intervalMs: intervalMs, nowMs: nowMs) else { continue }
            if let batch = latest?.latest(state.id) {
                for s in batch.samples {
                    if let sample = PromSample.make(
                        machine: state.id, series: s.series, value: s.value, timestampMs: batch.timestampMs)
                    {
                        out.append(sample)
                    }
                }
                continue
            }
            for (text, value) in state.values {
                guard let key = SeriesKey(canonical: text),
                    let sample = PromSample.make(
                        machine: state.id, series: key, value: value, timestampMs: state.lastSampleMs)
                else { continue }
                out.append(sample)
            }
        }
        return out
    }

    static func isLive(_ state: MachineState, intervalMs: Int64, nowMs: Int64) -> Bool {
        guard state.connected, let lastSeen = state.lastSeenMs else { return false }
        return nowMs - lastSeen <= max(15_000, 3 * intervalMs)
    }

    /// Keeps the samples any of `match[]`'s selectors match (all of them when none is given).
    static func filter(_ samples: [PromSample], matches: [String]) throws(PromQLError) -> [PromSample] {
        guard !matches.isEmpty else { return samples }
        var selectors: [PromSelector] = []
        for text in matches { selectors.append(try PromQLParser.parseSelector(text)) }
        return samples.filter { s in
            let labels = s.matchLabels
            return selectors.contains { $0.matches(labels) }
        }
    }
}
