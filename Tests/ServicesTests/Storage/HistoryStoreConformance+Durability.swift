import Foundation
import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// Conformance checks about the store's life: reopening, crashing, closing, and concurrent callers.
extension StorageTests.HistoryStoreConformance {
    /// Everything a store answers about two machines, to compare before and after a reopen.
    static func snapshot(_ store: any HistoryStore) async throws -> [String] {
        var lines: [String] = []
        for machine in ["m1", "m2"] {
            lines.append("\(machine) hw \(String(describing: try await store.highWater(machine: machine)))")
            lines.append("\(machine) series \(try await store.series(machine: machine))")
            for key in [cpu, memory] {
                lines.append("\(machine) \(key) raw \(try await raw(store, machine, key).map { "\($0.0)=\($0.1)" })")
                let minutes = try await store.query(
                    HistoryQuery(
                        machine: machine, metric: key.metric, fromMs: hour, toMs: hour + 86_400_000, tier: .oneMinute))
                // inf + -inf sums to NaN, whose sign SQLite does not keep.
                let text = "\(minutes.first?.points ?? [])".replacingOccurrences(of: "-nan", with: "nan")
                lines.append("\(machine) \(key) 1m \(text)")
            }
        }
        return lines
    }

    static func reopen(_ maker: StoreMaker, _ directory: String) async throws {
        guard maker.durable else { return }
        var store = try await maker.open(directory)
        let batches = series("m1", count: 130) + series("m2", count: 20)
        try await append(batches, to: store)
        let before = try await snapshot(store)
        try await store.close()
        store = try await maker.open(directory)
        let after = try await snapshot(store)
        for (b, a) in zip(before, after) where a != b { Issue.record("reopen changed:\n\(b)\n\(a)") }
        #expect(after.count == before.count)
        #expect(try await store.stats().samples == 300)
        #expect(try await store.append([batches[7]]) == AppendResult(stored: 0, duplicates: 1))
        try await append(series("m1", count: 10, firstSeq: 131, start: hour + 200_000), to: store)
        #expect(try await raw(store, "m1", cpu).count == 140)
        try await store.close()
    }

    static func sequenceEpoch(_ maker: StoreMaker, _ directory: String) async throws {
        var store = try await maker.open(directory)
        #expect(try await store.epoch(machine: "m1") == nil)
        try await append(series("m1", count: 5), to: store)
        // Recorded for a machine that stored nothing yet, and replaced for one that did; the high water stays.
        try await store.setEpoch(SeqEpoch(id: 7, base: 0), machine: "m2")
        try await store.setEpoch(SeqEpoch(id: .max, base: 5), machine: "m1")
        try await store.setEpoch(SeqEpoch(id: 0xdead_beef_0000_0001, base: 5), machine: "m1")
        #expect(try await store.epoch(machine: "m1") == SeqEpoch(id: 0xdead_beef_0000_0001, base: 5))
        #expect(try await store.epoch(machine: "m2") == SeqEpoch(id: 7, base: 0))
        #expect(try await store.highWater(machine: "m1") == 5)
        // Batches of m2 after its epoch was set are stored as usual.
        try await append(series("m2", count: 3), to: store)
        #expect(try await store.highWater(machine: "m2") == 3)
        guard maker.durable else { return }
        try await store.close()
        store = try await maker.open(directory)
        #expect(try await store.epoch(machine: "m1") == SeqEpoch(id: 0xdead_beef_0000_0001, base: 5))
        #expect(try await store.epoch(machine: "m2") == SeqEpoch(id: 7, base: 0))
        #expect(try await store.highWater(machine: "m2") == 3)
        try await store.close()
    }

    static func crash(_ maker: StoreMaker, _ directory: String) async throws {
        guard maker.durable else { return }
        let crashed = try await maker.open(directory)
        let batches = series("m1", count: 130) + series("m2", count: 20)
        try await append(batches, to: crashed, groupSize: 7)
        let before = try await snapshot(crashed)
        // No close(): a second instance opens the file as a restart after a crash would.
        let restarted = try await maker.open(directory)
        #expect(try await snapshot(restarted) == before)
        #expect(try await restarted.append(batches) == AppendResult(stored: 0, duplicates: 150))
        try await append(series("m1", count: 100, firstSeq: 131, start: hour + 200_000), to: restarted)
        try await restarted.close()
        try await maker.crash(crashed)
        let third = try await maker.open(directory)
        #expect(try await raw(third, "m1", cpu).count == 230)
        #expect(try await third.highWater(machine: "m1") == 230)
        try await third.close()
    }

    static func closedStore(_ maker: StoreMaker, _ directory: String) async throws {
        let store = try await maker.open(directory)
        try await store.append(series("m1", count: 3))
        try await store.close()
        await #expect(throws: HistoryStoreError.self) { try await store.append(series("m1", count: 1, firstSeq: 9)) }
        await #expect(throws: HistoryStoreError.self) { try await store.close() }
    }

    static func concurrentCallers(_ maker: StoreMaker, _ directory: String) async throws {
        let store = try await maker.open(directory)
        let totals = try await withThrowingTaskGroup(of: AppendResult.self) { group in
            for task in 0..<8 {
                group.addTask {
                    let batches = series("c\(task)", count: 100)
                    var total = AppendResult(stored: 0, duplicates: 0)
                    for start in stride(from: 0, to: 100, by: 10) {
                        // Each call resends the previous call's last batch, as a reconnecting collector would.
                        let call = Array(batches[max(0, start - 1)..<start + 10])
                        let result = try await store.append(call)
                        total.stored += result.stored
                        total.duplicates += result.duplicates
                        _ = try await store.query(
                            HistoryQuery(machine: "c\(task)", metric: cpu.metric, fromMs: hour, toMs: hour + 200_000))
                    }
                    return total
                }
            }
            return try await group.reduce(into: [AppendResult]()) { $0.append($1) }
        }
        #expect(totals.allSatisfy { $0 == AppendResult(stored: 100, duplicates: 9) })
        for task in 0..<8 {
            #expect(try await raw(store, "c\(task)", memory).count == 100)
            #expect(try await store.highWater(machine: "c\(task)") == 100)
        }
        try await store.close()
    }
}
