import SMSCore

/// Lets one caller at a time through an actor's multi-step async work, in arrival order. An actor alone does not:
/// it is reentrant at every `await`, so two transactions on one connection could interleave.
///
/// Owned by the actor and used only from its isolation.
final class ExclusiveLane {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Callers holding or waiting for the lane.
    var occupancy: Int { waiters.count + (busy ? 1 : 0) }

    func run<T>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async throws -> T {
        while busy { await withCheckedContinuation { waiters.append($0) } }
        busy = true
        defer {
            busy = false
            if !waiters.isEmpty { waiters.removeFirst().resume() }
        }
        return try await body()
    }
}
