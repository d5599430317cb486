import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Runs blocking work (a subprocess to its end, a blocking socket, a sleep) on a thread of its own and awaits it.
/// Swift's concurrency pool has one thread per core (two here): a test that blocks one for seconds starves every
/// other test running beside it, whose deadlines then pass. Keep `#expect` out of `body` (it runs off the test's
/// task); check its result in the test.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            // As on the pool's threads: a write to a peer that is gone is an error (EPIPE), not a SIGPIPE that
            // ends the whole test process.
            var pipe = sigset_t()
            sigemptyset(&pipe)
            sigaddset(&pipe, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipe, nil)
            continuation.resume(with: Result { try body() })
        }
        thread.stackSize = 4 << 20
        thread.start()
    }
}
