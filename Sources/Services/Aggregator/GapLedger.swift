import SMSCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Finds, from the batches as they are stored, the intervals each machine has no samples for, tells their kinds
/// apart, and writes them to the history store every few seconds (docs/gaps.md).
///
/// Per machine, each stored batch is compared with the one stored before it (the hub's numbering has no holes
/// except where a collector dropped batches):
/// - a seq that skips ahead: the collector's buffer overflowed and dropped the batches between → *lost*;
/// - the next seq but more than 1.5 intervals later: no sample was taken in between → *machine down*;
/// - a batch taken an interval or more before the stream that delivered it opened, or received later than the
///   machine's usual delay by 3 intervals (3 s at least; a link that came back before TCP gave up): the buffer
///   back-filled it after the link (or the hub) was down; consecutive ones make one *back-filled* interval
///   (3 intervals at least, so a collector's first sample taken while it connects is not one).
/// What is still missing now is the gateway's to tell (the machine is silent: an *open* gap).
public final class GapLedger: Service, Sendable {
    /// One stored batch as the ledger sees it.
    struct Stored: Sendable {
        var machine: String
        /// The hub's numbering (after the epoch's base).
        var seq: UInt64
        var timestampMs: Int64
        /// When the stream that delivered it opened.
        var streamOpenedMs: Int64
        /// When the hub received it (the hub's clock; the machine's may be off).
        var receivedMs: Int64
        /// The machine's high-water mark before this batch was stored.
        var previousSeq: UInt64
    }

    /// What the ledger knows of one machine.
    struct Track: Sendable {
        var sinceMs: Int64
        var seq: UInt64
        var lastMs: Int64
        var intervalMs: Int64 = 1000
        /// When the ledger last saw one of its batches (wall clock).
        var touchedMs: Int64 = 0
        /// The machine's usual delay from sample to hub (its clock offset included): the least seen, allowed to
        /// creep up 10 ms a batch so that a clock stepped forward is absorbed.
        var delayMs: Int64?
        /// A back-filled run being extended: its first sample and the end of its last.
        var backFill: (fromMs: Int64, toMs: Int64)?
    }

    struct Book: Sendable {
        var loaded = false
        var tracks: [String: Track] = [:]
        var pending = GapUpdate()
        var dirty: Set<String> = []
    }

    private let history: any HistoryStore
    private let intervalMs: @Sendable (String) -> Int64
    private let logger: Logger
    private let flushEvery: Duration
    private let book = Mutex(Book())
    private let loading = Mutex<Task<[String: GapCursor], Never>?>(nil)

    /// `intervalMs`: the machine's sampling interval in the spec in force.
    public init(history: any HistoryStore, intervalMs: @escaping @Sendable (String) -> Int64, logger: Logger,
                flushEvery: Duration = .seconds(2)) {
        self.history = history
        self.intervalMs = intervalMs
        self.logger = logger
        self.flushEvery = flushEvery
    }

    /// Takes note of batches just stored, in seq order per machine.
    func observe(_ batches: [Stored]) async {
        guard !batches.isEmpty else { return }
        if !book.withLock({ $0.loaded }) {
            let cursors = await loadCursors()
            book.withLock { b in
                guard !b.loaded else { return }
                b.loaded = true
                for (machine, cursor) in cursors where b.tracks[machine] == nil {
                    b.tracks[machine] = Track(sinceMs: cursor.sinceMs, seq: cursor.seq, lastMs: cursor.lastMs)
                }
            }
        }
        let intervals = Dictionary(batches.map { ($0.machine, intervalMs($0.machine)) }, uniquingKeysWith: { a, _ in a })
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        book.withLock { b in
            for batch in batches { Self.observe(batch, intervalMs: intervals[batch.machine]!, nowMs: nowMs, book: &b) }
        }
    }

    static func observe(_ batch: Stored, intervalMs: Int64, nowMs: Int64, book b: inout Book) {
        let m = batch.machine
        b.dirty.insert(m)
        guard var track = b.tracks[m], track.seq == batch.previousSeq else {
            // First sight (or the previous batch's time is unknown): nothing to compare with.
            var fresh = Track(sinceMs: b.tracks[m]?.sinceMs ?? batch.timestampMs, seq: batch.seq, lastMs: batch.timestampMs)
            fresh.intervalMs = intervalMs
            fresh.touchedMs = nowMs
            fresh.delayMs = b.tracks[m]?.delayMs
            extendBackFill(&fresh, batch, intervalMs: intervalMs, book: &b)
            b.tracks[m] = fresh
            return
        }
        if batch.seq > track.seq + 1 {
            closeBackFill(&track, machine: m, intervalMs: intervalMs, book: &b)
            b.pending.gaps[m, default: []].append(DataGap(
                kind: .lost, fromMs: track.lastMs + intervalMs, toMs: max(batch.timestampMs, track.lastMs + intervalMs),
                batches: batch.seq - track.seq - 1))
        } else if batch.timestampMs - track.lastMs > intervalMs + intervalMs / 2 {
            closeBackFill(&track, machine: m, intervalMs: intervalMs, book: &b)
            b.pending.gaps[m, default: []].append(DataGap(
                kind: .machineDown, fromMs: track.lastMs + intervalMs, toMs: batch.timestampMs))
        }
        track.seq = batch.seq
        track.lastMs = batch.timestampMs
        track.intervalMs = intervalMs
        track.touchedMs = nowMs
        extendBackFill(&track, batch, intervalMs: intervalMs, book: &b)
        b.tracks[m] = track
    }

    private static func extendBackFill(_ track: inout Track, _ batch: Stored, intervalMs: Int64, book b: inout Book) {
        let delay = batch.receivedMs - batch.timestampMs
        let usual = track.delayMs ?? delay
        let replayed = batch.timestampMs <= batch.streamOpenedMs - intervalMs
        let late = delay - usual > max(3 * intervalMs, 3_000)
        if !replayed && !late { track.delayMs = min(delay, usual + 10) }
        if replayed || late {
            let from = track.backFill?.fromMs ?? batch.timestampMs
            track.backFill = (from, batch.timestampMs + intervalMs)
        } else {
            closeBackFill(&track, machine: batch.machine, intervalMs: intervalMs, book: &b)
        }
    }

    private static func closeBackFill(_ track: inout Track, machine: String, intervalMs: Int64, book b: inout Book) {
        guard let run = track.backFill else { return }
        track.backFill = nil
        if run.toMs - run.fromMs >= 3 * intervalMs {
            b.pending.gaps[machine, default: []].append(DataGap(kind: .backFilled, fromMs: run.fromMs, toMs: run.toMs))
        }
    }

    /// Writes what is pending every `flushEvery` until shutdown, then once more.
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.flushEvery)
                await self.flush()
            }
        }
        await flush()
    }

    /// Writes closed gaps and moved cursors; a back-fill run that has not grown for a minute is closed first (its
    /// stream ended mid-replay). On failure the update is kept and tried again next time.
    func flush(nowMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) async {
        let update: GapUpdate = book.withLock { b in
            for (m, var track) in b.tracks {
                if track.backFill != nil, nowMs - track.touchedMs > 60_000 {
                    Self.closeBackFill(&track, machine: m, intervalMs: track.intervalMs, book: &b)
                    b.tracks[m] = track
                }
            }
            var update = b.pending
            for m in b.dirty {
                if let t = b.tracks[m] { update.cursors[m] = GapCursor(sinceMs: t.sinceMs, seq: t.seq, lastMs: t.lastMs) }
            }
            b.pending = GapUpdate()
            b.dirty = []
            return update
        }
        guard !update.isEmpty else { return }
        do {
            try await history.recordGaps(update)
            for (machine, gaps) in update.gaps {
                for gap in gaps where gap.kind != .backFilled {
                    logger.notice("data gap in a machine's history", metadata: [
                        "machine": "\(machine)", "kind": "\(gap.kind.rawValue)", "seconds": "\(gap.durationMs / 1000)",
                        "batches_lost": "\(gap.batches)",
                    ])
                }
            }
        } catch {
            logger.warning("cannot record data gaps yet; retrying", metadata: ["error": "\(error)"])
            book.withLock { b in
                for (m, gaps) in update.gaps { b.pending.gaps[m, default: []].insert(contentsOf: gaps, at: 0) }
                b.dirty.formUnion(update.cursors.keys)
            }
        }
    }

    private func loadCursors() async -> [String: GapCursor] {
        let task = loading.withLock { slot in
            if let slot { return slot }
            let history = self.history, logger = self.logger
            let task = Task<[String: GapCursor], Never> {
                do {
                    return try await history.gaps(machine: nil, fromMs: 0, toMs: 0).compactMapValues(\.cursor)
                } catch {
                    logger.warning("gap ledger starts without its cursors", metadata: ["error": "\(error)"])
                    return [:]
                }
            }
            slot = task
            return task
        }
        return await task.value
    }
}
