import Foundation
import NIOCore
import Controller
import SMSCore
import Services
import TestSupport
import Testing

/// The RESP client against a real redis-server: reply types, pipelining, binary payloads, credentials.
@Suite("Redis.Client")
struct RedisClientTests {
    @Test("every RESP2 reply type comes back as its RESPValue, and error replies are thrown")
    func replyTypes() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(url: redis.url) { client in
            #expect(try await client.send(["SET", "greeting", "hello"]) == .simpleString("OK"))
            #expect(try await client.send(["GET", "greeting"]) == .bulk("hello"))
            #expect(try await client.send(["GET", "missing"]) == .bulkString(nil))
            #expect(try await client.send(["INCRBY", "counter", "-42"]) == .integer(-42))
            _ = try await client.send(["RPUSH", "list", "a", "", "c"])
            #expect(
                try await client.send(["LRANGE", "list", "0", "-1"]) == .array([.bulk("a"), .bulk(""), .bulk("c")]))
            #expect(try await client.send(["LRANGE", "nothing", "0", "-1"]) == .array([]))
            #expect(try await client.send(["BLPOP", "nothing", "0.01"]) == .array(nil))
            let error = await #expect(throws: RedisError.self) { try await client.send(["INCR", "greeting"]) }
            #expect(error?.code == .server)
            #expect(error?.message == "ERR value is not an integer or out of range")
        }
    }

    @Test("10,000 pipelined commands go out in one write and their replies come back in order")
    func longPipeline() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(url: redis.url) { client in
            let commands = (0..<10_000).map { i in i % 2 == 0 ? ["INCR", "n"] : ["ECHO", "reply \(i)"] }
            let replies = try await client.pipeline(commands)
            #expect(replies.count == 10_000)
            for (i, reply) in replies.enumerated() {
                #expect(reply == (i % 2 == 0 ? .integer(Int64(i / 2 + 1)) : .bulk("reply \(i)")))
            }
        }
    }

    @Test("payloads are binary-safe: every byte value, CRLF inside, and a megabyte")
    func binaryPayloads() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(url: redis.url) { client in
            let everyByte = ByteBuffer(bytes: (0...255).map { UInt8($0) } + Array("\r\n$-1\r\n*2\r\n".utf8))
            let large = ByteBuffer(bytes: (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
            _ = try await client.pipeline([["SET", "bytes", RESPArg(everyByte)], ["SET", "large", RESPArg(large)]])
            #expect(try await client.send(["GET", "bytes"]) == .bulkString(everyByte))
            #expect(try await client.send(["GET", "large"]) == .bulkString(large))
        }
    }
}

/// Credentials and database from the URL, and TLS with rediss://.
@Suite("Redis.Connection")
struct RedisConnectionTests {
    @Test("the password and database in the URL are used on connect")
    func authAndDatabase() async throws {
        let redis = try await RedisServer.launch(password: "s3cret p@ss")
        let url = "redis://:s3cret%20p%40ss@127.0.0.1:\(redis.port)/3"
        try await withRedisClient(url: url) { client in
            _ = try await client.send(["SET", "where", "db3"])
            #expect(try await client.send(["CLIENT", "INFO"]).string?.contains(" db=3 ") == true)
        }
        try await withRedisClient(url: "redis://default:s3cret%20p%40ss@127.0.0.1:\(redis.port)") { client in
            #expect(try await client.send(["GET", "where"]) == .bulkString(nil))
            _ = try await client.send(["SELECT", "3"])
            #expect(try await client.send(["GET", "where"]) == .bulk("db3"))
        }
    }

    @Test("a wrong password fails at once with an error that names the server but not the password")
    func wrongPassword() async throws {
        let redis = try await RedisServer.launch(password: "right-password")
        let url = "redis://:wrong-password@127.0.0.1:\(redis.port)"
        #expect(String(describing: try RedisConfiguration(url: url)).contains("wrong-password") == false)
        let error = try await withRedisClient(url: url) { client in
            await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        }
        #expect(error?.code == .authentication)
        #expect(error?.description.contains("127.0.0.1:\(redis.port)") == true)
        #expect(error?.description.contains("wrong-password") == false)
        #expect(error?.description.contains("WRONGPASS") == true)
    }

    @Test("no password for a server that requires one says how to give it")
    func missingPassword() async throws {
        let redis = try await RedisServer.launch(password: "right-password")
        let error = try await withRedisClient(url: "redis://127.0.0.1:\(redis.port)") { client in
            await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        }
        #expect(error?.code == .authentication)
        #expect(error?.description.contains("requires a password") == true)
    }

    @Test("rediss:// with the server's CA connects over TLS, with password and database")
    func tls() async throws {
        let redis = try await RedisServer.launch(password: "pw", tls: true)
        let url = try #require(redis.tlsURL).replacingOccurrences(of: "?ca=", with: "/2?ca=")
        try await withRedisClient(url: url) { client in
            _ = try await client.send(["SET", "secure", "yes"])
            #expect(try await client.send(["GET", "secure"]) == .bulk("yes"))
            #expect(try await client.send(["CLIENT", "INFO"]).string?.contains(" db=2 ") == true)
        }
    }

    @Test("rediss:// without the CA fails with a TLS error naming the server")
    func tlsUntrusted() async throws {
        let redis = try await RedisServer.launch(tls: true)
        var configuration = try RedisConfiguration(url: "rediss://127.0.0.1:\(try #require(redis.tlsPort))")
        // The command waits longer than one connection attempt, so it fails with that attempt's TLS error
        // (also when a loaded machine stretches the handshake past 2 s).
        configuration.connectTimeout = .seconds(3)
        configuration.replyTimeout = .seconds(8)
        let error = try await withRedisClient(configuration) { client in
            await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        }
        #expect(error?.code == .timeout)
        #expect(error?.description.contains("TLS with rediss://127.0.0.1:") == true)
    }

    @Test("rediss:// against a plain-text port fails clearly")
    func tlsAgainstPlainPort() async throws {
        let redis = try await RedisServer.launch(tls: true)
        var configuration = try RedisConfiguration(url: "rediss://127.0.0.1:\(redis.port)?ca=\(redis.caFile)")
        // The command waits longer than one connection attempt, so it fails with that attempt's error
        // (also when a loaded machine stretches the handshake).
        configuration.connectTimeout = .seconds(1)
        configuration.replyTimeout = .seconds(5)
        let error = try await withRedisClient(configuration) { client in
            await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        }
        #expect(error?.description.contains("rediss://127.0.0.1:\(redis.port)") == true)
        #expect(error?.description.contains("TLS") == true)
    }

    @Test("a CA file that does not exist is a configuration error at start")
    func missingCAFile() throws {
        let error = #expect(throws: RedisError.self) {
            try RedisClient(url: "rediss://127.0.0.1:6380?ca=/nonexistent/ca.pem", logger: testLogger)
        }
        #expect(error?.code == .configuration)
        #expect(error?.description.contains("/nonexistent/ca.pem") == true)
    }
}
