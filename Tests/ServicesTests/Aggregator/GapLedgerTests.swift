import Foundation
import Logging
import Testing

@testable import Services

/// How the hub tells the kinds of data gaps apart from the batches it stores (docs/gaps.md).
@Suite("Gap ledger")
struct GapLedgerTests {
    static let t0: Int64 = 1_765_000_000_000

    /// Feeds (seq, seconds after t0, seconds after t0 the delivering stream opened) of one machine at 1 s, each
    /// received 20 ms after it was taken or when its stream opened, whichever is later (`received` overrides).
    static func ledger(_ batches: [(seq: UInt64, at: Int64, opened: Int64)], received: [UInt64: Int64] = [:]) async
        -> (GapLedger, MemoryHistoryStore)
    {
        let store = MemoryHistoryStore()
        let ledger = GapLedger(history: store, intervalMs: { _ in 1000 }, logger: Logger(label: "test.gaps"))
        var previous: UInt64 = 0
        for b in batches {
            await ledger.observe([GapLedger.Stored(
                machine: "m", seq: b.seq, timestampMs: t0 + b.at * 1000, streamOpenedMs: t0 + b.opened * 1000,
                receivedMs: t0 + (received[b.seq] ?? max(b.at * 1000 + 20, b.opened * 1000)), previousSeq: previous)])
            previous = b.seq
        }
        await ledger.flush()
        return (ledger, store)
    }

    static func gaps(_ store: MemoryHistoryStore) async throws -> [DataGap] {
        try await store.gaps(machine: "m", fromMs: 0, toMs: .max)["m"]?.gaps ?? []
    }

    @Test("a steady stream has no gap, and its cursor says since when and where it stands")
    func steady() async throws {
        let (_, store) = await Self.ledger((1...30).map { (UInt64($0), Int64($0), 0) })
        #expect(try await Self.gaps(store).isEmpty)
        let cursor = try await store.gaps(machine: "m", fromMs: 0, toMs: 0)["m"]?.cursor
        #expect(cursor == GapCursor(sinceMs: Self.t0 + 1000, seq: 30, lastMs: Self.t0 + 30_000))
    }

    @Test("the next seq 20 s later: machine down from the missing sample to the next one taken")
    func machineDown() async throws {
        let batches = (1...10).map { (UInt64($0), Int64($0), Int64(0)) } + (11...15).map { (UInt64($0), Int64($0) + 20, Int64(30)) }
        let (_, store) = await Self.ledger(batches)
        #expect(try await Self.gaps(store) == [DataGap(kind: .machineDown, fromMs: Self.t0 + 11_000, toMs: Self.t0 + 31_000)])
    }

    @Test("a link down for 20 s and replayed: one back-filled interval, nothing missing")
    func backFilled() async throws {
        // Samples 11…30 were taken while the link was down and delivered by the stream opened at 31.
        let batches = (1...10).map { (UInt64($0), Int64($0), Int64(0)) } + (11...40).map { (UInt64($0), Int64($0), Int64(31)) }
        let (_, store) = await Self.ledger(batches)
        #expect(try await Self.gaps(store) == [DataGap(kind: .backFilled, fromMs: Self.t0 + 11_000, toMs: Self.t0 + 31_000)])
    }

    @Test("a buffer that overflowed: the seqs it dropped are lost, what it kept is back-filled")
    func lost() async throws {
        // The buffer kept only 5 of the 20 batches taken during the outage (seqs 11…25 dropped).
        let batches = (1...10).map { (UInt64($0), Int64($0), Int64(0)) } + (26...40).map { (UInt64($0), Int64($0), Int64(31)) }
        let (_, store) = await Self.ledger(batches)
        #expect(try await Self.gaps(store) == [
            DataGap(kind: .lost, fromMs: Self.t0 + 11_000, toMs: Self.t0 + 26_000, batches: 15),
            DataGap(kind: .backFilled, fromMs: Self.t0 + 26_000, toMs: Self.t0 + 31_000),
        ])
    }

    @Test("a link back before TCP gave up: the late batches on the same stream are back-filled, whatever the machine's clock")
    func lateOnTheSameStream() async throws {
        // The machine's clock is 7 s behind the hub's; samples 11…20 arrive together at 21 s (hub time 28 s).
        var received: [UInt64: Int64] = [:]
        for seq in UInt64(1)...30 { received[seq] = (seq >= 11 && seq <= 20 ? 21 : Int64(seq)) * 1000 + 7_000 + 15 }
        let (_, store) = await Self.ledger((1...30).map { (UInt64($0), Int64($0), 0) }, received: received)
        // 11…17 are 4 s late or more; 18…20 came within 3 s of their usual delay and stay live.
        #expect(try await Self.gaps(store) == [DataGap(kind: .backFilled, fromMs: Self.t0 + 11_000, toMs: Self.t0 + 18_000)])
    }

    @Test("a collector's first sample taken while it connects is not a back-fill")
    func firstSampleWhileConnecting() async throws {
        let (_, store) = await Self.ledger([(1, 1, 3), (2, 2, 3), (3, 3, 3), (4, 4, 3)])
        #expect(try await Self.gaps(store).isEmpty)
    }

    @Test("a restarted hub continues from the stored cursor; a cursor behind the stored batches is not trusted")
    func continuesAfterRestart() async throws {
        let (_, store) = await Self.ledger((1...10).map { (UInt64($0), Int64($0), 0) })
        let restarted = GapLedger(history: store, intervalMs: { _ in 1000 }, logger: Logger(label: "test.gaps"))
        await restarted.observe([GapLedger.Stored(
            machine: "m", seq: 11, timestampMs: Self.t0 + 40_000, streamOpenedMs: Self.t0 + 40_000,
            receivedMs: Self.t0 + 40_020, previousSeq: 10)])
        await restarted.flush()
        #expect(try await Self.gaps(store) == [DataGap(kind: .machineDown, fromMs: Self.t0 + 11_000, toMs: Self.t0 + 40_000)])
        // Stored up to 20 while the cursor says 11: the batch after 20 is compared with nothing.
        let again = GapLedger(history: store, intervalMs: { _ in 1000 }, logger: Logger(label: "test.gaps"))
        await again.observe([GapLedger.Stored(
            machine: "m", seq: 21, timestampMs: Self.t0 + 90_000, streamOpenedMs: Self.t0 + 90_000,
            receivedMs: Self.t0 + 90_020, previousSeq: 20)])
        await again.flush()
        #expect(try await Self.gaps(store).count == 1)
        #expect(try await store.gaps(machine: "m", fromMs: 0, toMs: 0)["m"]?.cursor?.sinceMs == Self.t0 + 1000)
    }

    @Test("completeness counts lost, machine-down and open time against the window, back-filled time not")
    func completeness() {
        let now = Self.t0 + 3_600_000
        let gaps = [
            DataGap(kind: .machineDown, fromMs: now - 1_800_000, toMs: now - 1_800_000 + 36_000),
            DataGap(kind: .backFilled, fromMs: now - 600_000, toMs: now - 500_000),
            DataGap(kind: .lost, fromMs: now - 400_000, toMs: now - 382_000, batches: 18),
        ]
        let open = MachineGaps.openGap(lastSampleMs: now - 19_000, intervalMs: 1000, silentAfterMs: 15_000, nowMs: now)
        #expect(open == DataGap(kind: .open, fromMs: now - 18_000, toMs: now))
        let c = Completeness(gaps: gaps + [open!], sinceMs: Self.t0, nowMs: now)
        // 36 + 18 + 18 = 72 s missing of the hour; the day and week windows start when the data does.
        #expect(abs(c.ratios["1h"]! - (1 - 72.0 / 3600)) < 1e-9)
        #expect(c.ratios["24h"] == c.ratios["1h"])
        #expect(c.ratios["7d"] == c.ratios["1h"])
        #expect(MachineGaps.openGap(lastSampleMs: now - 10_000, intervalMs: 1000, silentAfterMs: 15_000, nowMs: now) == nil)
        #expect(Completeness(gaps: [], sinceMs: nil, nowMs: now).ratios.isEmpty)
    }
}
