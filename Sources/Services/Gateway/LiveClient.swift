import SMSCore
import Synchronization

/// One dashboard connection's unsent updates: the latest state per machine rather than a queue.
///
/// The feed offers encoded summaries as they change; the connection's writer takes everything pending whenever
/// it is free. A slow browser therefore skips intermediate states instead of accumulating them.
final class LiveClient: Sendable {
    /// What the writer sends next: a snapshot (which supersedes older updates) and/or one update message.
    struct Outgoing {
        var snapshot: [UInt8]?
        var update: [UInt8]?
    }

    private struct Pending {
        var snapshot: [UInt8]?
        var summaries: [String: [UInt8]] = [:]
        var details: [String: [UInt8]] = [:]
        var alerts: [UInt8]?
        var bytes = 0
        var subscriptions: Set<String> = []
        var overflowed = false
    }

    let id: UInt64
    let maxPendingBytes: Int
    private let pending = Mutex(Pending())
    private let wakeContinuation: AsyncStream<Void>.Continuation
    /// Yields once whenever something became pending (several offers may collapse into one wake).
    let wakes: AsyncStream<Void>

    init(id: UInt64, maxPendingBytes: Int) {
        self.id = id
        self.maxPendingBytes = maxPendingBytes
        (wakes, wakeContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Machines whose full detail this client streams.
    var subscriptions: Set<String> { pending.withLock { $0.subscriptions } }

    /// Starts (true) or stops streaming one machine's detail.
    /// Subscribes or unsubscribes; returns false (and changes nothing) when subscribing would pass `limit`.
    @discardableResult
    func setSubscribed(_ machine: String, _ on: Bool, limit: Int = .max) -> Bool {
        pending.withLock { p in
            if on {
                guard p.subscriptions.contains(machine) || p.subscriptions.count < limit else { return false }
                p.subscriptions.insert(machine)
            } else {
                p.subscriptions.remove(machine)
            }
            if !on, let old = p.details.removeValue(forKey: machine) { p.bytes -= old.count }
            return true
        }
    }

    /// Streams the details of exactly these machines (the edge pusher forwards every visible machine's detail).
    func setSubscribedAll(_ machines: Set<String>) {
        pending.withLock { $0.subscriptions = machines }
    }

    /// True once pending bytes passed the cap: the writer closes with 1013 and the browser reconnects.
    var overflowed: Bool { pending.withLock { $0.overflowed } }

    /// Replaces everything pending with a full snapshot (after a spec reload).
    func offerSnapshot(_ bytes: [UInt8]) {
        pending.withLock { p in
            p = Pending(snapshot: bytes, bytes: bytes.count, subscriptions: p.subscriptions)
        }
        wakeContinuation.yield()
    }

    /// Merges newer summaries, details and the alert list over whatever is still unsent.
    func offer(summaries: [String: [UInt8]], details: [String: [UInt8]], alerts: [UInt8]?) {
        pending.withLock { p in
            for (id, bytes) in summaries {
                p.bytes += bytes.count - (p.summaries.updateValue(bytes, forKey: id)?.count ?? 0)
            }
            for (id, bytes) in details where p.subscriptions.contains(id) {
                p.bytes += bytes.count - (p.details.updateValue(bytes, forKey: id)?.count ?? 0)
            }
            if let alerts {
                p.bytes += alerts.count - (p.alerts?.count ?? 0)
                p.alerts = alerts
            }
            if p.bytes > maxPendingBytes { p.overflowed = true }
        }
        wakeContinuation.yield()
    }

    /// Takes everything pending, assembled into at most two messages; nil when nothing is pending.
    func take(serverTimeMs: Int64) -> Outgoing? {
        let p = pending.withLock { p -> Pending in
            let taken = p
            p = Pending(subscriptions: p.subscriptions, overflowed: p.overflowed)
            return taken
        }
        let hasUpdate = !p.summaries.isEmpty || !p.details.isEmpty || p.alerts != nil
        guard p.snapshot != nil || hasUpdate else { return nil }
        var out = Outgoing(snapshot: p.snapshot)
        if hasUpdate {
            out.update = LiveMessage.update(
                serverTimeMs: serverTimeMs, machines: Array(p.summaries.values), details: Array(p.details.values),
                alerts: p.alerts)
        }
        return out
    }

    /// Ends the wake stream so the writer loop returns.
    func finish() { wakeContinuation.finish() }
}
