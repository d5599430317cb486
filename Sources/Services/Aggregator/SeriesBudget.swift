import SMSCore
import Synchronization

/// How many distinct series each machine may have, across all its streams and reconnects since the hub started:
/// a stream's own limit alone let three streams, or a stream per reconnect, pile up series without end (and every
/// series costs memory, a history row and a line in the machine's page). Samples of series over the budget are
/// dropped and counted; the machine's other samples are stored, so a machine at its limit is never stopped.
final class SeriesBudget: Sendable {
    let maxPerMachine: Int
    private let known = Mutex<[String: Set<SeriesKey>]>([:])

    init(maxPerMachine: Int) { self.maxPerMachine = maxPerMachine }

    /// The series of `declared` the machine may not have: none it already has, and new ones only while room is left.
    func refused(_ declared: some Collection<SeriesKey>, machine: String) -> Set<SeriesKey> {
        known.withLock { known in
            var refused: Set<SeriesKey> = []
            for key in declared where !known[machine, default: []].contains(key) {
                if known[machine, default: []].count < maxPerMachine {
                    known[machine, default: []].insert(key)
                } else {
                    refused.insert(key)
                }
            }
            return refused
        }
    }

    func count(_ machine: String) -> Int { known.withLock { $0[machine]?.count ?? 0 } }
}
