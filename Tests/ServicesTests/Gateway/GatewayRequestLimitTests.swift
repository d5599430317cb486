import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TestSupport
import Testing

@testable import Services

/// Requests that hold a socket without ever finishing a head: before, an oversized request line or header was
/// never answered nor closed, and a trickled or missing head kept its socket forever (the idle timeout started
/// only after a first head). Both the hub's port and the edge's answer and close.
@Suite("Gateway request limits")
struct GatewayRequestLimitTests {
    static var limits: RequestLimits {
        var limits = RequestLimits()
        limits.headTimeout = .seconds(2)
        return limits
    }

    /// What goes wrong, what is sent, and the status that must come back.
    static let cases: [(String, [[UInt8]], Int)] = [
        ("one header of 100 KiB", [head(extra: ["X-Big: " + String(repeating: "a", count: 100_000)])], 431),
        ("a request line of 100 KiB", [Array("GET /\(String(repeating: "a", count: 100_000)) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)], 431),
        ("5,000 small headers", [head(extra: (0..<5000).map { "X-\($0): v" })], 431),
        ("40 headers of 1 KiB", [head(extra: (0..<40).map { "X-\($0): " + String(repeating: "b", count: 1024) })], 431),
        ("not HTTP at all", [[0x16, 0x03, 0x01, 0x00, 0x10] + Array("garbage\r\n\r\n".utf8)], 400),
        ("a head that stops half-way", [Array("GET /api/machines HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: b".utf8)], 408),
        ("nothing at all", [], 408),
        ("a head trickled a byte every 300 ms", Array("GET /api/machines HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8).map { [$0] }, 408),
    ]

    static func head(extra: [String]) -> [UInt8] {
        Array((["GET /api/machines HTTP/1.1", "Host: 127.0.0.1"] + extra).joined(separator: "\r\n").utf8) + Array("\r\n\r\n".utf8)
    }

    @Test("the hub's port answers 431, 400 or 408 and closes; good requests go on; each refusal is counted", arguments: cases.indices)
    func hub(_ index: Int) async throws {
        let (name, chunks, status) = Self.cases[index]
        var configuration = GatewayConfiguration(auth: .open, host: "127.0.0.1", port: 0)
        configuration.requestLimits = Self.limits
        try await GatewayFixture().app(configuration).test(.live) { client in
            let port = try #require(client.port)
            let (got, closed) = try await Self.send(chunks, port: port)
            #expect(got == status, "\(name): \(got)")
            #expect(closed, "\(name): the connection stayed open")
            // On connections of their own: the test client's idle one is closed by the head timeout too.
            let reason = status == 431 ? "header_too_large" : status == 408 ? "header_timeout" : "bad_request"
            let (_, metrics) = try await rawGET(port: port, uri: "/metrics", host: "127.0.0.1")
            // At least this one (the test client's idle connection may have timed out too).
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("sms_gateway_http_connections_refused_total{reason=\"\(reason)\"}") }
            #expect((line?.split(separator: " ").last.flatMap { Double($0) } ?? 0) >= 1, "\(metrics)")
            #expect(try await rawGET(port: port, uri: "/api/machines", host: "127.0.0.1").0 == 200)
        }
    }

    @Test("the edge answers the same way", arguments: [0, 4, 6])
    func edge(_ index: Int) async throws {
        let (name, chunks, status) = Self.cases[index]
        var configuration = EdgeConfiguration(host: "127.0.0.1", port: 0, token: "edge-token-0123456789")
        configuration.requestLimits = Self.limits
        let app = try buildEdgeApplication(configuration: configuration, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let (got, closed) = try await Self.send(chunks, port: port)
            #expect(got == status && closed, "\(name): \(got), closed \(closed)")
            #expect(try await rawGET(port: port, uri: "/healthz", host: "127.0.0.1").0 == 200)
        }
    }

    @Test("a keep-alive connection idle between requests for longer than the head timeout stays open")
    func keepAliveIsNotAHeadTimeout() async throws {
        var configuration = GatewayConfiguration(auth: .open, host: "127.0.0.1", port: 0)
        configuration.requestLimits = Self.limits
        try await GatewayFixture().app(configuration).test(.live) { client in
            let port = try #require(client.port)
            let statuses = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[Int], any Error>) in
                Thread {
                    continuation.resume(with: Result {
                        guard let fd = connectLoopback(port: port) else { throw POSIXError(.ECONNREFUSED) }
                        defer { close(fd) }
                        var statuses: [Int] = []
                        for pause in [0.0, 3.5] {
                            Thread.sleep(forTimeInterval: pause)  // the idle time under test, not a wait for a condition
                            sendAll(fd, Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
                            statuses.append(readStatus(fd))
                        }
                        return statuses
                    })
                }.start()
            }
            #expect(statuses == [200, 200])
        }
    }

    /// Sends the chunks (300 ms apart when there are several), then reads: the status of the answer (0 if none
    /// came) and whether the server closed the connection.
    static func send(_ chunks: [[UInt8]], port: Int) async throws -> (Int, Bool) {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    guard let fd = connectLoopback(port: port, readTimeout: 20) else { throw POSIXError(.ECONNREFUSED) }
                    defer { close(fd) }
                    for (i, chunk) in chunks.enumerated() {
                        if i > 0 { Thread.sleep(forTimeInterval: 0.3) }  // the trickle under test
                        if !sendAll(fd, chunk) { break }  // the server may close before all is sent
                    }
                    let status = readStatus(fd)
                    // Closed: the next read ends (0, or a reset) rather than timing out.
                    var byte: UInt8 = 0
                    var n = recv(fd, &byte, 1, 0)
                    while n > 0 { n = recv(fd, &byte, 1, 0) }
                    return (status, n == 0 || errno == ECONNRESET)
                })
            }.start()
        }
    }
}

@discardableResult
private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { return false }
        offset += n
    }
    return true
}

/// Reads one response head and returns its status (0 if none came).
private func readStatus(_ fd: Int32) -> Int {
    var received: [UInt8] = []
    var byte: UInt8 = 0
    while !received.suffix(4).elementsEqual([13, 10, 13, 10]) {
        guard recv(fd, &byte, 1, 0) == 1 else { break }
        received.append(byte)
    }
    let text = String(decoding: received, as: UTF8.self)
    let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
    // The body, by its length, so a next response starts clean.
    if let line = text.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
       let length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) {
        var body = [UInt8](repeating: 0, count: length)
        var got = 0
        while got < length {
            let n = body[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            got += n
        }
    }
    return status
}
