import SMSCore

/// The counters of named entities (interfaces, block devices) from one read, stored flat so that a tick reuses
/// the storage of the tick before last instead of allocating: sources keep two tables and swap them.
struct CounterTable: Sendable {
    /// Counters per entity.
    let width: Int
    private(set) var names: [String] = []
    private(set) var values: [UInt64] = []
    /// Monotonic seconds when the table was read; rates divide by the difference of two tables' times.
    var time: Double = 0

    init(width: Int) {
        self.width = width
    }

    var count: Int { names.count }

    /// Empties the table, keeping its storage.
    mutating func removeAll() {
        names.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    /// Starts the row of `name`; follow with exactly `width` calls of `appendCounter`.
    mutating func appendRow(_ name: String) {
        names.append(name)
    }

    /// Appends one counter to the row being filled.
    mutating func appendCounter(_ value: UInt64) {
        values.append(value)
    }

    /// Drops the row being filled (its line turned out to be incomplete).
    mutating func discardLastRow() {
        values.removeLast(values.count - (names.count - 1) * width)
        names.removeLast()
    }

    /// The counters of row `row`.
    func counters(_ row: Int) -> ArraySlice<UInt64> {
        values[(row * width)..<((row + 1) * width)]
    }

    /// The counters of the entity called `name`.
    func counters(named name: String) -> ArraySlice<UInt64>? {
        row(of: name, hint: 0).map(counters)
    }

    /// The row of `name`, trying `hint` first: rows usually keep their order from one read to the next.
    func row(of name: String, hint: Int) -> Int? {
        if hint < names.count, names[hint] == name { return hint }
        return names.firstIndex(of: name)
    }

    /// Per-second rates of the counters of `current`'s row `row` since the same entity in this (earlier) table,
    /// written into `rates`; false when the entity is new, any of its counters was reset, or no time passed.
    func rates(to current: CounterTable, row: Int, into rates: inout [Double]) -> Bool {
        let seconds = current.time - time
        guard seconds > 0, width == current.width, let previousRow = self.row(of: current.names[row], hint: row)
        else { return false }
        let before = counters(previousRow)
        let after = current.counters(row)
        rates.removeAll(keepingCapacity: true)
        for (old, new) in zip(before, after) {
            guard let delta = CounterDelta.increase(from: old, to: new) else { return false }
            rates.append(Derived.rounded(Double(delta) / seconds))
        }
        return true
    }
}
