import NIOCore
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// The RESP2 decoder on its own: values split anywhere, many values at once, malformed input.
@Suite("Redis.RESPDecoder")
struct RESPDecoderTests {
    static let stream =
        "+OK\r\n-ERR bad thing\r\n:-12\r\n$5\r\nhe\r\no\r\n$-1\r\n$0\r\n\r\n*-1\r\n*0\r\n*3\r\n:1\r\n*1\r\n+in\r\n$1\r\nx\r\n"
    static let values: [RESPValue] = [
        .simpleString("OK"), .error("ERR bad thing"), .integer(-12), .bulkString(ByteBuffer(string: "he\r\no")),
        .bulkString(nil), .bulkString(ByteBuffer()), .array(nil), .array([]),
        .array([.integer(1), .array([.simpleString("in")]), .bulkString(ByteBuffer(string: "x"))]),
    ]

    @Test("many values in one read come out in order")
    func manyPerRead() throws {
        var buffer = ByteBuffer(string: Self.stream)
        var decoded: [RESPValue] = []
        while let value = try RESPDecoder.parse(&buffer) { decoded.append(value) }
        #expect(decoded == Self.values)
        #expect(buffer.readableBytes == 0)
    }

    @Test("a stream fed one byte at a time gives the same values, none before it is complete")
    func splitAcrossReads() throws {
        var buffer = ByteBuffer()
        var decoded: [RESPValue] = []
        for byte in Self.stream.utf8 {
            buffer.writeInteger(byte)
            while let value = try RESPDecoder.parse(&buffer) { decoded.append(value) }
        }
        #expect(decoded == Self.values)
    }

    @Test(
        "malformed input is rejected with a message saying what was wrong",
        arguments: [
            ("HTTP/1.1 200 OK\r\n", "unexpected byte 0x48 ('H')"),
            (":12a\r\n", "integer \"12a\" is not an integer"),
            ("$3\r\nabcde\r\n", "not followed by CRLF"),
            ("$-2\r\n", "bulk string length -2 is out of range"),
            ("*-5\r\n", "array length -5 is out of range"),
            ("+OK\rX", "a CR not followed by LF"),
            (String(repeating: "*1\r\n", count: 40) + ":1\r\n", "nested deeper than 32"),
        ])
    func malformed(input: String, message: String) throws {
        var buffer = ByteBuffer(string: input)
        let error = #expect(throws: RESPProtocolError.self) { try RESPDecoder.parse(&buffer) }
        #expect(error?.description.contains(message) == true, "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test("a line without an end beyond the limit is rejected rather than buffered forever")
    func endlessLine() throws {
        var buffer = ByteBuffer(string: "+" + String(repeating: "a", count: 70_000))
        #expect(throws: RESPProtocolError.self) { try RESPDecoder.parse(&buffer) }
    }

    @Test("commands are encoded as arrays of binary-safe bulk strings")
    func encoding() {
        var buffer = ByteBuffer()
        buffer.writeRESPCommand(["SET", "k\r\n", RESPArg(bytes: [0, 255]), 42])
        let expected =
            Array("*4\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$2\r\n".utf8) + [0, 255] + Array("\r\n$2\r\n42\r\n".utf8)
        #expect(Array(buffer.readableBytesView) == expected)
    }
}

/// URL parsing and redaction.
@Suite("Redis.Configuration")
struct RedisConfigurationTests {
    @Test("URLs give host, port, credentials, database and TLS")
    func parsing() throws {
        let plain = try RedisConfiguration(url: "redis://10.0.0.5")
        #expect(plain == RedisConfiguration(host: "10.0.0.5", port: 6379, database: 0))
        let full = try RedisConfiguration(url: "rediss://app:p%40ss@cache.example:6380/4?ca=/etc/ca.pem")
        #expect(full.host == "cache.example")
        #expect(full.port == 6380)
        #expect(full.username == "app")
        #expect(full.password == "p@ss")
        #expect(full.database == 4)
        #expect(full.tls == .init(caFile: "/etc/ca.pem"))
        let passwordOnly = try RedisConfiguration(url: "redis://:secret@[::1]:7000/")
        #expect(passwordOnly.username == nil)
        #expect(passwordOnly.password == "secret")
        #expect(passwordOnly.host == "::1")
        #expect(passwordOnly.endpoint == "redis://[::1]:7000")
    }

    @Test("the description and dump hide the password")
    func redaction() throws {
        let configuration = try RedisConfiguration(url: "redis://app:hunter2@10.0.0.5:6379/1")
        #expect(configuration.description == "redis://app:***@10.0.0.5:6379/1")
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        #expect(!String(reflecting: configuration).contains("hunter2"))
    }

    @Test(
        "invalid URLs are rejected with a reason and without the password",
        arguments: [
            ("http://:hunter2@host", "the scheme must be redis or rediss"),
            ("redis://:hunter2@host/abc", "the path must be a database number"),
            ("redis://:hunter2@host:0", "port 0 is out of range"),
            ("redis://:hunter2@host?ca=/x", "unknown parameter \"ca\""),
            ("redis://:hunter2@", "no host"),
            ("not a url :hunter2@x y", "expected redis://"),
        ])
    func invalid(url: String, reason: String) {
        let error = #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
        #expect(error?.code == .configuration)
        #expect(error?.description.contains(reason) == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("hunter2") == false)
    }
}
