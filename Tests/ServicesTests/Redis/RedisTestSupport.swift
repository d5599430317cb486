import Logging
import NIOCore
import Controller
import SMSCore
import Services
import Synchronization
import TestSupport

/// Runs `body` with a running client and shuts the client down afterwards (closing its connections).
func withRedisClient<T: Sendable>(
    _ configuration: RedisConfiguration, _ body: (RedisClient) async throws -> T
) async throws -> T {
    let client = try RedisClient(configuration: configuration, logger: testLogger)
    return try await withRunning(client) { try await body(client) }
}

func withRedisClient<T: Sendable>(url: String, _ body: (RedisClient) async throws -> T) async throws -> T {
    try await withRedisClient(try RedisConfiguration(url: url), body)
}

/// Runs `body` while `client.run()` runs beside it, then cancels the run and waits for it to finish.
func withRunning<T: Sendable>(_ client: RedisClient, _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await client.run() }
        defer { group.cancelAll() }
        // On a loaded machine the run task may start late; commands' deadlines should not include that wait.
        _ = await waitUntil(timeout: .seconds(30), every: .milliseconds(5)) { client.isRunning }
        return try await body()
    }
}

/// Warnings and errors only: the outage tests make the client warn on purpose.
let testLogger: Logger = {
    var logger = Logger(label: "sms.redis.test")
    logger.logLevel = .warning
    return logger
}()

extension RESPValue {
    static func bulk(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }
}

/// Collects what a stream yields, in the background, so tests can wait for it with a deadline.
final class Collected<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(_ stream: AsyncStream<Element>) {
        task.withLock {
            $0 = Task { [weak self] in for await item in stream { self?.items.withLock { $0.append(item) } } }
        }
    }

    deinit { task.withLock { $0?.cancel() } }

    var all: [Element] { items.withLock { $0 } }

    /// True once at least `count` items arrived within `timeout`.
    func wait(for count: Int, timeout: Duration = .seconds(5)) async -> Bool {
        await waitUntil(timeout: timeout, every: .milliseconds(10)) { self.all.count >= count }
    }
}

/// Waits until Redis reports at least `count` subscribers on `channel` (subscribing is asynchronous).
func waitForSubscribers(_ client: RedisClient, _ channel: String, count: Int = 1) async -> Bool {
    await waitUntil(timeout: .seconds(5), every: .milliseconds(20)) {
        let reply = try await client.send(["PUBSUB", "NUMSUB", channel])
        return (reply.array?.last?.int ?? 0) >= Int64(count)
    }
}
