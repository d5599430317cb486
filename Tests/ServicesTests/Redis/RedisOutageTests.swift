import Foundation
import NIOCore
import Controller
import SMSCore
import Services
import TestSupport
import Testing

/// What the client does when Redis goes away, stalls or talks nonsense.
@Suite("Redis.Outage", .timeLimit(.minutes(1)))
struct RedisOutageTests {
    static func configuration(_ url: String, replyTimeout: Duration = .seconds(1)) throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: url)
        configuration.replyTimeout = replyTimeout
        return configuration
    }

    @Test("after Redis stops and starts again, commands work again within 5 s")
    func reconnect() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(try Self.configuration(redis.url)) { client in
            #expect(await waitUntil(timeout: .seconds(5)) { client.isConnected })
            try await redis.stop()
            #expect(await waitUntil(timeout: .seconds(5)) { !client.isConnected })
            let error = await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
            #expect(error?.code == .timeout)
            #expect(error?.description.contains("redis://127.0.0.1:\(redis.port)") == true)
            #expect(error?.description.contains("connection refused") == true)
            try await redis.start()
            let restarted = ContinuousClock.now
            #expect(
                await waitUntil(timeout: .seconds(5), every: .milliseconds(50)) {
                    try await client.send(["PING"]) == .simpleString("PONG")
                })
            #expect(ContinuousClock.now - restarted < .seconds(5))
        }
    }

    @Test("a command sent during the outage waits for the reconnect within its timeout")
    func awaitingCommandRidesOutRestart() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(try Self.configuration(redis.url, replyTimeout: .seconds(8))) { client in
            #expect(await waitUntil(timeout: .seconds(5)) { client.isConnected })
            try await redis.stop()
            #expect(await waitUntil(timeout: .seconds(5)) { !client.isConnected })
            async let reply = client.send(["SET", "during", "outage"])
            try await Task.sleep(for: .milliseconds(300))
            try await redis.start()
            #expect(try await reply == .simpleString("OK"))
        }
    }

    @Test("commands enqueued while Redis is down are delivered, in order, after it restarts")
    func enqueueWhileDown() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(try Self.configuration(redis.url)) { client in
            #expect(await waitUntil(timeout: .seconds(5)) { client.isConnected })
            try await redis.stop()
            #expect(await waitUntil(timeout: .seconds(5)) { !client.isConnected })
            for i in 0..<100 { client.enqueue([["RPUSH", "queued", RESPArg(i)], ["SET", "last", RESPArg(i)]]) }
            try await redis.start()
            #expect(await waitUntil(timeout: .seconds(5)) { try await client.send(["GET", "last"]) == .bulk("99") })
            let list = try await client.send(["LRANGE", "queued", "0", "-1"])
            #expect(list == .array((0..<100).map { .bulk(String($0)) }))
            #expect(client.droppedCommands == 0)
        }
    }

    @Test("a full buffer drops the oldest commands and counts each one")
    func bufferOverflow() async throws {
        let redis = try await RedisServer.launch()
        var configuration = try Self.configuration(redis.url)
        let size = "*3\r\n$3\r\nSET\r\n$5\r\nk0000\r\n$10\r\n0123456789\r\n".utf8.count
        configuration.maxBufferedBytes = size * 10
        try await withRedisClient(configuration) { client in
            #expect(await waitUntil(timeout: .seconds(5)) { client.isConnected })
            try await redis.stop()
            #expect(await waitUntil(timeout: .seconds(5)) { !client.isConnected })
            for i in 0..<25 { client.enqueue(["SET", RESPArg("k" + String(format: "%04d", i)), "0123456789"]) }
            #expect(await waitUntil(timeout: .seconds(5)) { client.droppedCommands == 15 })
            try await redis.start()
            #expect(await waitUntil(timeout: .seconds(5)) { try await client.send(["DBSIZE"]) == .integer(10) })
            let kept = try await client.send(["EXISTS"] + (15..<25).map { "k" + String(format: "%04d", $0) })
            #expect(kept == .integer(10))
            #expect(client.droppedCommands == 15)
        }
    }

    @Test("error replies to enqueued commands are counted, and later commands still run")
    func enqueuedErrorReplies() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(try Self.configuration(redis.url, replyTimeout: .seconds(5))) { client in
            #expect(await waitUntil(timeout: .seconds(10)) { client.isConnected })
            _ = try await client.send(["SET", "text", "abc"])
            client.enqueue([["INCR", "text"], ["INCR", "text"], ["SET", "after", "1"]])
            #expect(try await client.send(["GET", "after"]) == .bulk("1"))
            #expect(client.failedCommands == 2)
        }
    }

    @Test("a server that accepts but never answers gives a timeout error naming it")
    func silentServer() async throws {
        let fake = try await FakeRedisServer.start { _, _ in nil }
        var configuration = try Self.configuration(fake.url, replyTimeout: .milliseconds(1500))
        configuration.connectTimeout = .milliseconds(200)
        let error = try await withRedisClient(configuration) { client in
            await #expect(throws: RedisError.self) { try await client.send(["GET", "x"]) }
        }
        #expect(error?.code == .timeout)
        #expect(error?.description.contains("127.0.0.1:\(fake.port)") == true)
        // Says why: the handshake went unanswered (or, on a loaded machine, no attempt finished in time).
        #expect(error.map { $0.description.contains("did not answer") || $0.description.contains("no connection") } == true)
        try await fake.stop()
    }

    @Test("a reply that never comes times out the command and the connection is replaced")
    func replyTimeout() async throws {
        // Each connection answers the connect-time PING, then nothing.
        let fake = try await FakeRedisServer.start { _, read in read == 1 ? "+PONG\r\n" : nil }
        let configuration = try Self.configuration(fake.url, replyTimeout: .milliseconds(500))
        try await withRedisClient(configuration) { client in
            #expect(await waitUntil(timeout: .seconds(5)) { client.isConnected })
            let error = await #expect(throws: RedisError.self) { try await client.send(["GET", "x"]) }
            #expect(error?.code == .timeout)
            // The command's own timer says "no reply from … to GET"; on a loaded machine the connection's stall check
            // (same 500 ms) may fire first and say "stopped answering". Either names the server, the wait and what next.
            let text = error?.description ?? ""
            #expect(text.contains("redis://127.0.0.1:\(fake.port)") && text.contains("500 ms") && text.hasSuffix("reconnecting"), "\(text)")
            #expect(await waitUntil(timeout: .seconds(5)) { fake.connectionCount >= 2 })
        }
        try await fake.stop()
    }

    @Test("a server that stops answering fire-and-forget writes is dropped for a fresh connection")
    func stalledWrites() async throws {
        let fake = try await FakeRedisServer.start { _, read in read == 1 ? "+PONG\r\n" : nil }
        let configuration = try Self.configuration(fake.url, replyTimeout: .milliseconds(500))
        try await withRedisClient(configuration) { client in
            #expect(await waitUntil(timeout: .seconds(5)) { client.isConnected })
            client.enqueue(["SET", "never", "answered"])
            #expect(await waitUntil(timeout: .seconds(5)) { fake.connectionCount >= 2 })
        }
        try await fake.stop()
    }

    @Test("malformed server input fails the command with a protocol error, then the client reconnects")
    func malformedReply() async throws {
        // The first connection answers PING, then sends garbage; later ones behave.
        let fake = try await FakeRedisServer.start { connection, read in
            connection == 1 && read == 2 ? "HTTP/1.1 400 Bad Request\r\n\r\n" : "+PONG\r\n"
        }
        // A generous reply timeout: on a loaded machine a short one would replace the first connection before
        // the garbage arrives, and the test would talk to a well-behaved second one.
        try await withRedisClient(try Self.configuration(fake.url, replyTimeout: .seconds(5))) { client in
            #expect(await waitUntil(timeout: .seconds(10)) { client.isConnected })
            let error = await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
            #expect(error?.code == .protocolViolation)
            #expect(error?.description.contains("redis://127.0.0.1:\(fake.port) sent a malformed reply") == true)
            #expect(error?.description.contains("0x48 ('H')") == true)
            #expect(await waitUntil(timeout: .seconds(5)) { try await client.send(["PING"]) == .simpleString("PONG") })
            #expect(fake.connectionCount >= 2)
        }
        try await fake.stop()
    }

    @Test("once run() returns, commands fail with a shutdown error and enqueued ones count as dropped")
    func afterShutdown() async throws {
        let redis = try await RedisServer.launch()
        let client = try RedisClient(url: redis.url, logger: testLogger)
        try await withRunning(client) { _ = try await client.send(["PING"]) }
        let error = await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        #expect(error?.code == .shutdown)
        client.enqueue(["SET", "late", "1"])
        #expect(await waitUntil(timeout: .seconds(2)) { client.droppedCommands == 1 })
        await #expect(throws: RedisError.self) { try await client.run() }
    }
}
