import SMSCore
import Spec

/// How stores read an incoming call's batches, so that every store deduplicates the same way.
extension Batch {
    /// The batches ordered by machine, then seq (stable), so a call's batches are applied in stream order
    /// even if a caller merged several streams out of order.
    static func inSeqOrder(_ batches: [Batch]) -> [Batch] {
        batches.enumerated().sorted {
            ($0.element.machine, $0.element.seq, $0.offset) < ($1.element.machine, $1.element.seq, $1.offset)
        }.map(\.element)
    }

    /// One value per series: a series listed twice in one snapshot keeps its last value.
    var distinctSamples: [(key: SeriesKey, value: Double)] {
        var index: [SeriesKey: Int] = [:]
        var result: [(key: SeriesKey, value: Double)] = []
        result.reserveCapacity(samples.count)
        for sample in samples {
            if let position = index[sample.series] {
                result[position].value = sample.value
            } else {
                index[sample.series] = result.count
                result.append((sample.series, sample.value))
            }
        }
        return result
    }
}
