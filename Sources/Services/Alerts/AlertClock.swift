import SMSCore
import Foundation
import Synchronization

/// Where the alerts service reads the time: wall-clock milliseconds since 1970.
///
/// Every timer of the evaluator (`for`, `keep_firing_for`, `absent_for`, `repeat_interval`, the restart grace)
/// is measured on this one clock at the hub, never on sample timestamps, so machines whose clocks drift do not
/// fire early or late, and tests compress hours into milliseconds with `ManualAlertClock`.
public protocol AlertClock: Sendable {
    func nowMs() -> Int64
}

/// The system's wall clock.
public struct SystemAlertClock: AlertClock {
    public init() {}
    public func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}

/// A clock that moves only when told to: for tests and replays.
public final class ManualAlertClock: AlertClock {
    private let current: Mutex<Int64>

    public init(startMs: Int64 = 1_700_000_000_000) { current = Mutex(startMs) }

    public func nowMs() -> Int64 { current.withLock { $0 } }

    /// Moves the clock forward (or back, for odd tests) by `ms`.
    public func advance(ms: Int64) { current.withLock { $0 += ms } }

    /// Moves the clock forward by `seconds`.
    public func advance(seconds: Int64) { advance(ms: seconds * 1000) }

    public func set(ms: Int64) { current.withLock { $0 = ms } }
}
