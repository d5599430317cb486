import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM and SIGINT taken with `sigwait(2)` on a thread of their own, for a process that keeps libdispatch
/// idle: the usual signal sources are dispatch sources, whose first use starts dispatch's worker pool and the
/// pool's monitor, a timer that wakes the process every second for as long as it runs.
public enum StopSignals {
    static let handled: [Int32] = [SIGTERM, SIGINT]

    /// Blocks the stop signals in the calling thread and in every thread started after it. Call it first thing in
    /// `main`, before any thread exists; `CollectorOptions.run()` then waits for them with `sigwait`.
    public static func block() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        calledBlock.store(true, ordering: .releasing)
    }

    /// Whether `block()` ran in this process. Not read from the calling thread's mask: libdispatch's and NIO's
    /// threads block every signal, so a process that never called `block()` (`smsctl run collector`) would look
    /// as if it had, nobody would take SIGTERM, and it would end the process without a graceful stop.
    static var blocked: Bool { calledBlock.load(ordering: .acquiring) }
    private static let calledBlock = Atomic<Bool>(false)

    /// Waits for the stop signals on a thread of its own: the first one calls `stop`; a second one ends the
    /// process at once (exit status 128 + the signal, as a shell reports it).
    static func wait(_ stop: @escaping @Sendable () -> Void) {
        let thread = Thread {
            // Named for ps/top; written to comm directly (Foundation's Thread.name does not always reach it).
            _ = try? "sms-signals".write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
            var set = signalSet()
            var stopping = false
            while true {
                var signal: Int32 = 0
                guard sigwait(&set, &signal) == 0 else { continue }
                if stopping { _exit(128 + signal) }
                stopping = true
                stop()
            }
        }
        thread.start()
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in handled { sigaddset(&set, signal) }
        return set
    }
}
