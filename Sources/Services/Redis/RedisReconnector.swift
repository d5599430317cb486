import SMSCore
import NIOCore

/// Keeps one connection up: connects, and after a failed attempt or a dropped connection tries again with
/// exponential backoff (100 ms doubling to 2 s, with jitter) until stopped.
///
/// Confined to `eventLoop`: every method runs there, which is why the mutable state needs no lock
/// (`@unchecked Sendable` only lets the closures that hop back onto the loop capture it).
final class RedisReconnector: @unchecked Sendable {
    private enum State {
        case idle
        case connecting(EventLoopFuture<any Channel>)
        case connected(any Channel)
        case waiting(Scheduled<Void>)
        case stopped
    }

    let eventLoop: any EventLoop
    private let connect: () -> EventLoopFuture<any Channel>
    private let onUp: (any Channel) -> Void
    private let onDown: (RedisError) -> Void
    private let endpoint: String
    private var state = State.idle
    private var attempt = 0

    /// - Parameters:
    ///   - onUp: called with each new connection.
    ///   - onDown: called after each failed attempt and when a live connection drops.
    init(
        eventLoop: any EventLoop, endpoint: String, connect: @escaping () -> EventLoopFuture<any Channel>,
        onUp: @escaping (any Channel) -> Void, onDown: @escaping (RedisError) -> Void
    ) {
        self.eventLoop = eventLoop
        self.endpoint = endpoint
        self.connect = connect
        self.onUp = onUp
        self.onDown = onDown
    }

    var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    /// Starts connecting, once; later calls do nothing.
    func start() {
        eventLoop.preconditionInEventLoop()
        guard case .idle = state else { return }
        attemptConnection()
    }

    /// Stops retrying and closes the connection; the future completes once it is closed.
    func stop() -> EventLoopFuture<Void> {
        eventLoop.preconditionInEventLoop()
        let previous = state
        state = .stopped
        switch previous {
        case .connected(let channel):
            channel.close(promise: nil)
            return channel.closeFuture
        case .connecting(let future):
            return future.flatMap { $0.closeFuture }.recover { _ in }
        case .waiting(let retry):
            retry.cancel()
            return eventLoop.makeSucceededVoidFuture()
        case .idle, .stopped:
            return eventLoop.makeSucceededVoidFuture()
        }
    }

    private func attemptConnection() {
        let future = connect().hop(to: eventLoop)
        state = .connecting(future)
        future.whenComplete { result in
            switch (self.state, result) {
            case (.stopped, .success(let channel)):
                channel.close(promise: nil)
            case (.stopped, .failure):
                break
            case (_, .success(let channel)):
                self.attempt = 0
                self.state = .connected(channel)
                channel.closeFuture.hop(to: self.eventLoop).whenComplete { _ in self.dropped(channel) }
                self.onUp(channel)
            case (_, .failure(let error)):
                self.onDown(error as? RedisError ?? .connection(error, endpoint: self.endpoint, timeout: .seconds(5)))
                self.scheduleRetry()
            }
        }
    }

    private func dropped(_ channel: any Channel) {
        guard case .connected(let current) = state, current === channel else { return }
        onDown(.lost(endpoint))
        scheduleRetry()
    }

    private func scheduleRetry() {
        guard case .stopped = state else {
            let delay = Self.backoff(attempt: attempt)
            attempt += 1
            state = .waiting(eventLoop.scheduleTask(in: delay) { self.attemptConnection() })
            return
        }
    }

    /// 100 ms doubling to 2 s, each scaled by a random 50–100 % so many clients do not retry in lockstep.
    static func backoff(attempt: Int) -> TimeAmount {
        let base = min(2_000, 100 << min(attempt, 5))
        return .milliseconds(Int64(Double(base) * Double.random(in: 0.5...1.0)))
    }
}
