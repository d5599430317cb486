import SMSCore
import Foundation
import GRPCCore
import ServiceLifecycle
import Synchronization

/// One collector's stream: decodes and checks batches as they come, submits them to the committer, and writes
/// acknowledgements in order as commits complete. Ends cleanly on graceful shutdown once in-flight batches are acked.
struct StreamSession: Sendable {
    let machine: String
    /// The token the stream was opened with, checked again after each spec reload (a rotated token ends it).
    let token: String
    /// The collector buffer's sequence epoch (`sms-epoch`; 0 when it sent none).
    let epoch: UInt64
    /// At most one acknowledgement per this interval while batches stream in (the collector's `sms-ack-every-ms`);
    /// zero acknowledges each batch once stored.
    var ackEvery: Duration = .zero
    let service: IngestService

    /// Seqs above this are refused: no collector gets near it (2^53, one batch a second for 285 million years),
    /// and the hub's numbering (epoch base + seq) stays clear of overflow.
    static let maxSeq: UInt64 = 1 << 53

    /// Outstanding submissions, whether reading has ended, and the first failure.
    /// What the acknowledging loop wakes for: a batch stored, or (paced) an interval ended.
    enum AckEvent: Sendable {
        case stored(UInt64)
        case due
    }

    private final class Tracker: Sendable {
        let state = Mutex<(outstanding: Int, readerDone: Bool, failure: (any Error)?)>((0, false, nil))
        let acks: AsyncStream<AckEvent>.Continuation
        init(acks: AsyncStream<AckEvent>.Continuation) { self.acks = acks }

        func submitted() { state.withLock { $0.outstanding += 1 } }
        func completed(_ seq: UInt64?, failure: (any Error)?) {
            let finish = state.withLock { s -> Bool in
                s.outstanding -= 1
                if let failure, s.failure == nil { s.failure = failure }
                return s.failure != nil || (s.readerDone && s.outstanding == 0)
            }
            if let seq, failure == nil { acks.yield(.stored(seq)) }
            if finish { acks.finish() }
        }
        func readerFinished() {
            let finish = state.withLock { s -> Bool in
                s.readerDone = true
                return s.outstanding == 0
            }
            if finish { acks.finish() }
        }
        var failure: (any Error)? { state.withLock { $0.failure } }
    }

    func connected(_ up: Bool) async {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try? await service.state.setConnected(machine, up, atMs: now)
        await service.bus.publish(.connection(machine: machine, connected: up, atMs: now))
    }

    func run(messages: RPCAsyncSequence<Sms_V1_Batch, any Error>, writer: RPCWriter<Sms_V1_Ack>) async throws {
        // First tell the collector what is already stored, so it skips those batches instead of resending them.
        // Acknowledgements are in the collector's numbering: the hub's less the epoch's base.
        let base = try await service.committer.epochBase(machine, epoch: epoch)
        let stored = try await service.committer.acknowledged(machine)
        let ack = { (seq: UInt64) in Sms_V1_Ack.with { $0.ackedSeq = seq > base ? seq - base : 0 } }
        try await writer.write(ack(stored))

        let (acks, continuation) = AsyncStream<AckEvent>.makeStream()
        let tracker = Tracker(acks: continuation)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await cancelWhenGracefulShutdown { try await read(messages, base: base, tracker: tracker) }
                } catch is CancellationError {
                    // Graceful shutdown: stop reading, acknowledge what is in flight.
                } catch let error as RPCError {
                    tracker.state.withLock { if $0.failure == nil { $0.failure = error } }
                } catch {
                    if !Task.isCancelled { tracker.state.withLock { if $0.failure == nil { $0.failure = error } } }
                }
                tracker.readerFinished()
            }
            // Paced: a seq stored within `ackEvery` of the last acknowledgement waits for the next tick, so the
            // collector hears at most two an interval and never waits longer than one.
            let ticker: Task<Void, Never>? = ackEvery > .zero ? Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: ackEvery)
                    continuation.yield(.due)
                }
            } : nil
            defer { ticker?.cancel() }
            var lastAck = ContinuousClock.now
            var unsent: UInt64?
            for await event in acks {
                switch event {
                case .stored(let seq):
                    guard ContinuousClock.now - lastAck >= ackEvery else {
                        unsent = seq
                        continue
                    }
                    try await writer.write(ack(seq))
                    lastAck = .now
                    unsent = nil
                case .due:
                    guard let seq = unsent else { continue }
                    try await writer.write(ack(seq))
                    lastAck = .now
                    unsent = nil
                }
            }
            if let seq = unsent, tracker.failure == nil {
                try await writer.write(ack(seq))
            }
            try await group.waitForAll()
        }
        if let failure = tracker.failure {
            if let rpc = failure as? RPCError { throw rpc }
            throw RPCError(code: .unavailable, message: "cannot store batches now (\(failure)); retry")
        }
    }

    private func read(_ messages: RPCAsyncSequence<Sms_V1_Batch, any Error>, base: UInt64, tracker: Tracker) async throws {
        var decoder = StreamDecoder(machine: machine, limits: service.limits.decoder)
        var agentVersion: String?
        var specHash: String?
        var lastSeq: UInt64 = 0
        var generation = service.generation()
        var warnedNonFinite = false
        // Series of this stream over the machine's budget: their samples are dropped.
        var overBudget: Set<SeriesKey> = []
        let openedMs = Int64(Date().timeIntervalSince1970 * 1000)
        for try await message in messages {
            if tracker.failure != nil { return }
            if service.generation() != generation {
                generation = service.generation()
                try reauthenticate()
            }
            if !message.machineID.isEmpty && message.machineID != machine {
                service.metrics.batchesRejected.increment()
                throw RPCError(code: .permissionDenied,
                               message: "stream authenticated as \"\(machine)\" sent a batch for \"\(message.machineID.prefix(64))\"")
            }
            if !message.agentVersion.isEmpty { agentVersion = message.agentVersion }
            if !message.specHash.isEmpty { specHash = message.specHash }
            var batch: Batch
            do {
                batch = try decoder.decode(message)
            } catch {
                service.metrics.batchesRejected.increment()
                throw RPCError(code: .invalidArgument, message: error.description)
            }
            if !message.newSeries.isEmpty {
                let refused = service.seriesBudget.refused(decoder.declared.suffix(message.newSeries.count), machine: machine)
                if !refused.isEmpty {
                    if overBudget.isEmpty {
                        service.logger.warning("machine at its series limit: samples of further series are dropped", metadata: [
                            "machine": "\(machine)", "limit": "\(service.seriesBudget.maxPerMachine)",
                            "series": "\(refused.prefix(3).map(\.description).joined(separator: ", "))",
                        ])
                    }
                    overBudget.formUnion(refused)
                }
            }
            if !overBudget.isEmpty {
                let before = batch.snapshot.samples.count
                batch.snapshot.samples.removeAll { overBudget.contains($0.series) }
                service.metrics.samplesRejected.increment(by: Int64(before - batch.snapshot.samples.count))
            }
            let (finite, dropped) = batch.snapshot.droppingNonFinite()
            if !dropped.isEmpty {
                batch.snapshot = finite
                service.metrics.samplesRejected.increment(by: Int64(dropped.count))
                if !warnedNonFinite {
                    warnedNonFinite = true
                    service.logger.warning("non-finite values dropped (NaN or infinity); sms stores numbers only", metadata: [
                        "machine": "\(machine)", "series": "\(dropped.prefix(3).map(\.description).joined(separator: ", "))",
                    ])
                }
            }
            try await check(batch, after: lastSeq, base: base)
            lastSeq = batch.seq
            batch.seq += base
            service.metrics.samplesReceived.increment(by: Int64(batch.samples.count))
            tracker.submitted()
            let seq = batch.seq
            let item = Committer.Item(
                batch: batch, receivedMs: Int64(Date().timeIntervalSince1970 * 1000), streamOpenedMs: openedMs,
                agentVersion: agentVersion,
                specHash: specHash, backlog: message.backlog,
                completion: { result in
                    switch result {
                    case .success(.stored): tracker.completed(seq, failure: nil)
                    // Acknowledged up to what is stored: a collector told more than it ever sent knows that
                    // its numbering is behind the hub's, and starts a new epoch instead of being dropped.
                    case .success(.duplicate(let highWater)): tracker.completed(max(seq, highWater), failure: nil)
                    case .failure(let error): tracker.completed(nil, failure: error)
                    }
                })
            await service.committer.showLive(item)
            service.committer.submit(item)
        }
    }

    /// After a reload: the stream goes on only while its token is still the machine's (and the machine declared).
    private func reauthenticate() throws {
        guard case .token(let expected) = service.tokens(machine), ConstantTime.equal(token, expected) else {
            service.logger.notice("collector stream ended: its token is no longer valid", metadata: ["machine": "\(machine)"])
            throw RPCError(code: .unauthenticated, message: "the token of machine \"\(machine)\" changed; reconnect with the new one")
        }
    }

    /// Refuses batches no collector should send: seq 0 or beyond any real one, seq going backwards, timestamps
    /// from the future or from before any buffer's age.
    private func check(_ batch: Batch, after lastSeq: UInt64, base: UInt64) async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var problem: String?
        var clockRefused = false
        if batch.seq == 0 {
            problem = "batch has seq 0; sequence numbers start at 1"
        } else if batch.seq > Self.maxSeq || base > UInt64(Int64.max) - Self.maxSeq {
            problem = "batch seq \(batch.seq) is beyond any collector's (at most 2^53); a collector numbers its batches 1, 2, 3…"
        } else if batch.seq <= lastSeq {
            problem = "batch seq \(batch.seq) after \(lastSeq) on the same stream; seqs must increase"
        } else if batch.timestampMs > now + service.limits.maxFutureSkewMs {
            let ahead = (batch.timestampMs - now) / 1000
            problem = "batch \(batch.seq) is \(ahead)s in the future; check the clock of machine \"\(machine)\""
            clockRefused = true
        } else if batch.timestampMs < now - service.limits.maxAgeMs {
            let days = (now - batch.timestampMs) / 86_400_000
            problem = "batch \(batch.seq) is \(days) days old, older than any collector buffer keeps; check the clock of machine \"\(machine)\""
            clockRefused = true
        }
        if let problem {
            service.metrics.batchesRejected.increment()
            if clockRefused { try? await service.state.setClockOffset(machine, batch.timestampMs - now) }
            throw RPCError(code: .invalidArgument, message: problem)
        }
    }
}
