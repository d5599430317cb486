import Services
import SMSCore
import Synchronization

/// What one simulated collector sent and got acknowledged; shared by its writer and its Ack reader.
final class StreamTally: Sendable {
    struct State {
        var pending: [(seq: UInt64, timestampMs: Int64, samples: Int)] = []
        var head = 0
        var batchesSent = 0
        var samplesSent = 0
        var wireBytes = 0
        var batchesAcked = 0
        var samplesAcked = 0
        var firstSendMs: Int64?
        var lastSendMs: Int64?
        var opened = false
        var error: String?
        var latency = LatencySamples()
    }

    let state = Mutex(State())

    func sent(seq: UInt64, timestampMs: Int64, samples: Int, bytes: Int) {
        state.withLock {
            $0.pending.append((seq, timestampMs, samples))
            $0.batchesSent += 1
            $0.samplesSent += samples
            $0.wireBytes += bytes
            if $0.firstSendMs == nil { $0.firstSendMs = timestampMs }
            $0.lastSendMs = timestampMs
        }
    }

    /// Every pending batch up to `seq` is acknowledged now: its latency is now minus its timestamp.
    func acknowledge(_ seq: UInt64, nowMs: Int64) {
        state.withLock { s in
            s.opened = true
            while s.head < s.pending.count, s.pending[s.head].seq <= seq {
                let p = s.pending[s.head]
                s.batchesAcked += 1
                s.samplesAcked += p.samples
                s.latency.record(Double(nowMs - p.timestampMs))
                s.head += 1
            }
            // Compact now and then so a long run does not keep every acknowledged entry.
            if s.head > 1024 {
                s.pending.removeFirst(s.head)
                s.head = 0
            }
        }
    }

    var unacknowledged: Int { state.withLock { $0.pending.count - $0.head } }

    func failed(_ message: String) { state.withLock { if $0.error == nil { $0.error = message } } }
}

/// One-shot gate: the writer waits for the aggregator's first Ack, which says where the sequence goes on.
final class FirstAck: Sendable {
    private let state = Mutex<(value: UInt64?, waiters: [CheckedContinuation<UInt64, Never>])>((nil, []))

    func open(_ value: UInt64) {
        let waiters = state.withLock { s -> [CheckedContinuation<UInt64, Never>] in
            guard s.value == nil else { return [] }
            s.value = value
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(returning: value) }
    }

    /// The first Ack's seq; `UInt64.max` when the stream ended (or the wait was cancelled, at the hard stop)
    /// before one came, so a writer still waiting at the end lets its call finish.
    func wait() async -> UInt64 {
        await withTaskCancellationHandler {
            await withCheckedContinuation { c in
                let ready = state.withLock { s -> UInt64? in
                    if let v = s.value { return v }
                    s.waiters.append(c)
                    return nil
                }
                if let ready { c.resume(returning: ready) }
            }
        } onCancel: {
            open(UInt64.max)
        }
    }
}
