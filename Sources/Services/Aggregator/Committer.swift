import SMSCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Shows each batch live as it arrives (current state, live events), then stores batches from every stream in
/// groups: one history transaction for all batches waiting, then the acknowledgements.
///
/// Group commit is what lets one SQLite file take thousands of collectors: each stream waits for the commit that
/// holds its batch, and a commit holds whatever arrived while the previous one was writing. The live view does
/// not wait for it: dashboards and alerts see a sample within milliseconds, and keep seeing them while the
/// history store is down; the acknowledgement still waits until the sample is durable.
public final class Committer: Service, Sendable {
    /// What a stream learns about its batch: stored now, or at or below what was stored before (the machine's
    /// high-water mark at that moment, which is what the stream acknowledges).
    public enum Outcome: Sendable { case stored, duplicate(highWater: UInt64) }

    struct Item: Sendable {
        let batch: Batch
        let receivedMs: Int64
        /// When the stream that delivered the batch opened (the gap ledger tells back-filled batches by it).
        var streamOpenedMs: Int64 = 0
        let agentVersion: String?
        let specHash: String?
        let backlog: UInt64
        let completion: @Sendable (Result<Outcome, any Error>) -> Void
    }

    private let history: any HistoryStore
    private let state: any StateStore
    private let bus: any EventBus
    private let logger: Logger
    private let metrics: AggregatorMetrics
    private let queue = Mutex<(items: [Item], closed: Bool)>(([], false))
    private let doorbell: AsyncStream<Void>.Continuation
    private let rings: AsyncStream<Void>
    private let highWater = Mutex<[String: UInt64]>([:])
    /// Each machine's sequence epoch once read or set: a reconnect in the same epoch needs no history store (it
    /// may be down; the stream must still open and feed the live view).
    private let epochs = Mutex<[String: SeqEpoch]>([:])
    /// Each machine's last reported backlog, for the summed gauge.
    private let backlogs = Mutex<[String: UInt64]>([:])
    private let maxGroup: Int
    /// Told of every batch stored, to account for the gaps between them.
    private let gaps: GapLedger?

    public init(history: any HistoryStore, state: any StateStore, bus: any EventBus, metrics: AggregatorMetrics,
                logger: Logger, maxGroup: Int = 2000, gaps: GapLedger? = nil) {
        self.gaps = gaps
        self.history = history
        self.state = state
        self.bus = bus
        self.metrics = metrics
        self.logger = logger
        self.maxGroup = maxGroup
        (rings, doorbell) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Makes a batch visible before it is stored: current state, then a live event. A replay of a batch stored
    /// before is not shown again. State is a view, not the record: when it cannot be written, storing goes on.
    func showLive(_ item: Item) async {
        let batch = item.batch
        if let stored = highWater.withLock({ $0[batch.machine] }), batch.seq <= stored { return }
        do {
            try await state.record(batch, agentVersion: item.agentVersion, specHash: item.specHash,
                                   backlog: item.backlog, receivedMs: item.receivedMs)
        } catch {
            logger.warning("current state not updated", metadata: ["machine": "\(batch.machine)", "error": "\(error)"])
        }
        await bus.publish(.batch(batch))
    }

    /// Queues a batch; `completion` runs once it is durably stored (or known to be a duplicate, or failed).
    func submit(_ item: Item) {
        let accepted = queue.withLock { q in
            guard !q.closed else { return false }
            q.items.append(item)
            return true
        }
        if accepted { doorbell.yield() } else { item.completion(.failure(CommitterClosed())) }
    }

    /// Commits until graceful shutdown, then drains what is queued so nothing in flight goes unacknowledged.
    public func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in rings {
                await drain()
                if queue.withLock({ $0.closed && $0.items.isEmpty }) { break }
            }
        } onGracefulShutdown: {
            self.queue.withLock { $0.closed = true }
            self.doorbell.yield()
        }
        await drain()
    }

    private func drain() async {
        while true {
            let group: [Item] = queue.withLock { q in
                let n = min(q.items.count, maxGroup)
                defer { q.items.removeFirst(n) }
                return Array(q.items.prefix(n))
            }
            if group.isEmpty { return }
            await commit(group)
        }
    }

    private func commit(_ group: [Item]) async {
        do {
            var fresh: [Item] = []
            var stored: [GapLedger.Stored] = []
            var outcomes: [Outcome] = []
            var marks: [String: UInt64] = [:]
            for item in group {
                let machine = item.batch.machine
                if marks[machine] == nil {
                    marks[machine] = try await knownHighWater(machine)
                }
                if item.batch.seq <= marks[machine]! {
                    outcomes.append(.duplicate(highWater: marks[machine]!))
                } else {
                    if gaps != nil {
                        stored.append(GapLedger.Stored(
                            machine: machine, seq: item.batch.seq, timestampMs: item.batch.timestampMs,
                            streamOpenedMs: item.streamOpenedMs, receivedMs: item.receivedMs, previousSeq: marks[machine]!))
                    }
                    marks[machine] = item.batch.seq
                    fresh.append(item)
                    outcomes.append(.stored)
                }
            }
            if !fresh.isEmpty { _ = try await history.append(fresh.map(\.batch)) }
            highWater.withLock { hw in for (m, s) in marks { hw[m] = s } }
            metrics.stored(batches: fresh.count, samples: fresh.reduce(0) { $0 + $1.batch.samples.count })
            metrics.deduplicated(batches: group.count - fresh.count)
            metrics.commitBatches.set(Double(group.count))
            let backlog = backlogs.withLock { b in
                for item in group { b[item.batch.machine] = item.backlog }
                return b.values.reduce(0, +)
            }
            metrics.collectorBacklog.set(Double(backlog))
            for (item, outcome) in zip(group, outcomes) { item.completion(.success(outcome)) }
            await gaps?.observe(stored)
        } catch {
            // Nothing of this group is acknowledged: the collectors keep the batches and replay them.
            logger.error("cannot store batches; collectors will replay them",
                         metadata: ["batches": "\(group.count)", "error": "\(error)"])
            highWater.withLock { hw in for item in group { hw.removeValue(forKey: item.batch.machine) } }
            for item in group { item.completion(.failure(error)) }
        }
    }

    /// The highest stored seq of a machine: cached, else asked of the history store once.
    private func knownHighWater(_ machine: String) async throws -> UInt64 {
        if let known = highWater.withLock({ $0[machine] }) { return known }
        let stored = try await history.highWater(machine: machine) ?? 0
        highWater.withLock { $0[machine] = max($0[machine] ?? 0, stored) }
        return stored
    }

    /// The highest seq stored for `machine` (what a reconnecting collector is told first, less its epoch's base).
    public func acknowledged(_ machine: String) async throws -> UInt64 { try await knownHighWater(machine) }

    /// Where the stream's seq 0 lies in the machine's stored sequence, for a collector streaming with buffer
    /// epoch `id` (0: a collector that sends none, numbered as it says). The first epoch of a machine continues
    /// its numbering; another one (a new or lost buffer, or a collector that found the hub ahead of it) is
    /// numbered after everything stored, recorded before any of its batches is.
    public func epochBase(_ machine: String, epoch id: UInt64) async throws -> UInt64 {
        if let cached = epochs.withLock({ $0[machine] }), cached.id == id || id == 0 { return cached.base }
        let current = try await history.epoch(machine: machine)
        if let current { epochs.withLock { $0[machine] = current } }
        guard id != 0 else { return current?.base ?? 0 }
        if let current, current.id == id { return current.base }
        let stored = try await knownHighWater(machine)
        let next = SeqEpoch(id: id, base: current == nil ? 0 : stored)
        try await history.setEpoch(next, machine: machine)
        epochs.withLock { $0[machine] = next }
        if current != nil {
            logger.notice("collector started a new sequence (a new or reset buffer): its batches are stored after the \(stored) already kept", metadata: [
                "machine": "\(machine)", "epoch": "\(String(id, radix: 16))", "base": "\(stored)",
            ])
        }
        return next.base
    }
}

/// The committer is shutting down and takes no more batches.
struct CommitterClosed: Error, CustomStringConvertible {
    var description: String { "the aggregator is shutting down" }
}
