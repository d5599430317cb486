/// Something worked out from each series of a machine's batch, remembered by position.
///
/// A machine's batches list the same series in the same order, and the stream's decoder hands out the same key
/// references every batch, so the value at each position is reused while the key there is the same (for a
/// `SeriesKey`, a pointer comparison) and worked out again only where it changed. The hot paths use it instead of
/// a hashed lookup per sample: the history store's series ids and an open block's columns, the fleet card's
/// figures, the alert rules that watch a metric.
public struct PositionalMemo<Key: Equatable & Sendable, Value: Sendable>: Sendable {
    private var keys: [Key] = []
    private var values: [Value] = []

    public init() {}

    /// The value remembered at `index` when the key there is `key`.
    public func value(at index: Int, for key: Key) -> Value? {
        guard index < keys.count, keys[index] == key else { return nil }
        return values[index]
    }

    /// Remembers `value` for `key` at `index` (a position past the end plus one is not remembered).
    public mutating func remember(_ value: Value, at index: Int, for key: Key) {
        if index < keys.count {
            keys[index] = key
            values[index] = value
        } else if index == keys.count {
            keys.append(key)
            values.append(value)
        }
    }

    /// The value at `index` for `key`, worked out by `make` and remembered when the key there changed.
    public mutating func value(at index: Int, for key: Key, _ make: (Key) -> Value) -> Value {
        if let known = value(at: index, for: key) { return known }
        let made = make(key)
        remember(made, at: index, for: key)
        return made
    }
}
