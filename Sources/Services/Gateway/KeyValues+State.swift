import SMSCore
import Spec

extension KeyValues {
    /// Takes one series' value when it is a fleet-card figure (see `CardFigure`); other series are ignored.
    mutating func take(_ key: SeriesKey, _ value: Double) {
        if let figure = CardFigure.indexByMetric[key.metric] { CardFigure.all[figure].take(key, value, into: &self) }
    }

    /// True when a series of this metric can be a card figure that reads labels (so its text is worth parsing).
    static func wants(labelledMetric metric: Substring) -> Bool {
        CardFigure.indexByMetric[String(metric)].map { CardFigure.all[$0].readsLabels } ?? false
    }
}

extension FleetView {
    /// Picks a fleet card's figures out of a machine's latest values (keyed by canonical series text).
    static func keyValues(_ values: [String: Double]) -> KeyValues {
        var kv = KeyValues()
        for (text, value) in values {
            if let brace = text.utf8.firstIndex(of: UInt8(ascii: "{")) {
                guard KeyValues.wants(labelledMetric: text[..<brace]), let key = SeriesKey(canonical: text) else { continue }
                kv.take(key, value)
            } else {
                kv.take(SeriesKey(text), value)
            }
        }
        return kv
    }

    /// The card figures of one batch.
    static func keyValues(_ samples: [Sample]) -> KeyValues {
        var layout = PositionalMemo<SeriesKey, Int>()
        return keyValues(samples, layout: &layout)
    }

    /// The card figures of one of a machine's batches; `layout` remembers which figure each position feeds, so
    /// a batch with the machine's usual series looks no metric up.
    static func keyValues(_ samples: [Sample], layout: inout PositionalMemo<SeriesKey, Int>) -> KeyValues {
        var kv = KeyValues()
        for (i, sample) in samples.enumerated() {
            let figure = layout.value(at: i, for: sample.series) { CardFigure.indexByMetric[$0.metric] ?? -1 }
            if figure >= 0 { CardFigure.all[figure].take(sample.series, sample.value, into: &kv) }
        }
        return kv
    }
}
