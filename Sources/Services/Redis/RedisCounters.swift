import SMSCore
import NIOCore
import Synchronization

/// What the client counts, readable from any thread.
final class RedisCounters: Sendable {
    /// Fire-and-forget commands dropped: buffer full while disconnected, or still buffered at shutdown.
    let dropped = Atomic<Int>(0)
    /// Fire-and-forget commands Redis answered with an error.
    let failed = Atomic<Int>(0)
    let connected = Atomic<Bool>(false)
}

/// Lets one log line through per interval and counts the ones it held back, so a flood of identical failures
/// (every write failing while Redis is read-only, say) costs one line every few seconds.
struct LogRateLimit {
    private let interval: TimeAmount
    private var last: NIODeadline?
    private var suppressed = 0

    init(interval: TimeAmount = .seconds(10)) { self.interval = interval }

    /// Nil when this occurrence should stay quiet; else how many were held back since the last line.
    mutating func admit(now: NIODeadline = .now()) -> Int? {
        if let last, now - last < interval {
            suppressed += 1
            return nil
        }
        last = now
        defer { suppressed = 0 }
        return suppressed
    }
}
