import Foundation
import Testing

@testable import Services

extension StorageTests.HistoryStoreConformance {
    /// The gap ledger's records: what `/api/gaps` and completeness read back.
    static func gapRecords(_ maker: StorageTests.StoreMaker, _ directory: String) async throws {
        var store = try await maker.open(directory)
        #expect(try await store.gaps(machine: nil, fromMs: 0, toMs: .max).isEmpty)
        let down = DataGap(kind: .machineDown, fromMs: hour + 10_000, toMs: hour + 30_000)
        let lost = DataGap(kind: .lost, fromMs: hour + 60_000, toMs: hour + 75_000, batches: 15)
        let filled = DataGap(kind: .backFilled, fromMs: hour + 100_000, toMs: hour + 120_000)
        try await store.recordGaps(GapUpdate(
            gaps: ["m1": [down, lost], "m 2 \"quoted\"": [filled]],
            cursors: ["m1": GapCursor(sinceMs: hour, seq: 90, lastMs: hour + 90_000)]))
        // A later record with the same start replaces the earlier one; a cursor moves.
        let longer = DataGap(kind: .machineDown, fromMs: hour + 10_000, toMs: hour + 40_000)
        try await store.recordGaps(GapUpdate(
            gaps: ["m1": [longer]], cursors: ["m1": GapCursor(sinceMs: hour, seq: UInt64(1) << 60, lastMs: hour + 95_000)]))
        try await store.recordGaps(GapUpdate())

        let expected = MachineGaps(
            cursor: GapCursor(sinceMs: hour, seq: UInt64(1) << 60, lastMs: hour + 95_000), gaps: [longer, lost])
        #expect(try await store.gaps(machine: "m1", fromMs: hour, toMs: hour + 200_000) == ["m1": expected])
        // Only gaps overlapping the range; the cursor whatever the range.
        #expect(try await store.gaps(machine: "m1", fromMs: hour + 40_000, toMs: hour + 61_000)["m1"]?.gaps == [lost])
        #expect(try await store.gaps(machine: "m1", fromMs: 0, toMs: 0)["m1"] == MachineGaps(cursor: expected.cursor, gaps: []))
        let all = try await store.gaps(machine: nil, fromMs: hour, toMs: hour + 200_000)
        #expect(Set(all.keys) == ["m1", "m 2 \"quoted\""])
        #expect(all["m 2 \"quoted\""] == MachineGaps(cursor: nil, gaps: [filled]))
        guard maker.durable else { return }
        try await store.close()
        store = try await maker.open(directory)
        #expect(try await store.gaps(machine: "m1", fromMs: hour, toMs: hour + 200_000) == ["m1": expected])
        try await store.close()
    }
}
