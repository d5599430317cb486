import SMSCore

/// Turns two readings of a kernel counter into an increase, telling a wrap from a reset.
///
/// Kernel counters only grow, so a reading below the previous one is either a wrap (a 32-bit counter, as some
/// network drivers and old diskstats fields keep, passed 2³²−1; a 64-bit one passed 2⁶⁴−1) or a reset (an
/// interface re-created, a device re-attached). A wrap is assumed only when the increase it implies is under half
/// of the counter's range; otherwise it is a reset and there is no rate this tick — never a negative rate or a
/// spike. Sources also drop every rate of an entity when any of its counters reset: a re-created interface resets
/// its packet counters too, and those are far below 2³¹ when its byte counter could pass for a wrap.
enum CounterDelta {
    /// The increase from `previous` to `current`, or nil when the counter was reset.
    static func increase(from previous: UInt64, to current: UInt64) -> UInt64? {
        if current >= previous { return current - previous }
        if previous <= UInt64(UInt32.max) {
            let wrapped = (UInt64(UInt32.max) - previous) + current + 1
            return wrapped < 1 << 31 ? wrapped : nil
        }
        let wrapped = (UInt64.max - previous) &+ current &+ 1
        return wrapped < 1 << 63 ? wrapped : nil
    }
}
