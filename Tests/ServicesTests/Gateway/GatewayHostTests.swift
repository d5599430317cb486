import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import Services

/// DNS rebinding: a page on a name the attacker controls, re-pointed at the hub's address, sends its own name as
/// Host. The dashboard, the API and `/ws` answer only to addresses, localhost and configured names.
@Suite("Gateway Host check")
struct GatewayHostTests {
    static let configuration = GatewayConfiguration(auth: .open, host: "127.0.0.1", port: 0, hostNames: ["sms.home.lan"])

    @Test("names the hub does not answer to are refused with 400 and what to set, on every path", arguments: [
        "evil.example", "evil.example:8080", "EVIL.example.", "sms.home.lan.evil.example", "127.0.0.1.nip.io:8080",
    ])
    func refusesOtherNames(host: String) async throws {
        try await GatewayFixture().app(Self.configuration).test(.live) { client in
            let port = try #require(client.port)
            for uri in ["/api/machines", "/", "/index.html", "/healthz"] {
                let (status, body) = try await rawGET(port: port, uri: uri, host: host)
                #expect(status == 400, "\(uri) with Host \(host): \(status)")
                #expect(body.contains("hub.allowed_hosts"), "\(uri): \(body)")
            }
            // The live socket is not upgraded for such a page either.
            let (status, _) = try await rawGET(port: port, uri: "/ws", host: host, extra: [
                "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            ])
            #expect(status != 101, "/ws upgraded for Host \(host)")
        }
    }

    @Test("addresses, localhost and the configured names are served", arguments: [
        "127.0.0.1:8080", "192.168.1.20", "[::1]:8080", "localhost:8080", "dash.localhost", "sms.home.lan:8080", "SMS.HOME.LAN",
    ])
    func servesOwnNames(host: String) async throws {
        try await GatewayFixture().app(Self.configuration).test(.live) { client in
            let port = try #require(client.port)
            let (status, _) = try await rawGET(port: port, uri: "/api/machines", host: host)
            #expect(status == 200, "Host \(host)")
            let (upgraded, _) = try await rawGET(port: port, uri: "/ws", host: host, extra: [
                "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            ])
            #expect(upgraded == 101, "/ws not upgraded for Host \(host)")
        }
    }

    @Test("a request another site's page sent is refused with 403 on every path; the hub's own pages and tools without Origin are served", arguments: [
        ("https://evil.example", 403), ("null", 403), ("http://127.0.0.1.evil.example:8080", 403), ("http://localhost:1", 403),
        ("SELF", 200), ("", 200),
    ])
    func refusesOtherOrigins(origin: String, status: Int) async throws {
        try await GatewayFixture().app(Self.configuration).test(.live) { client in
            let port = try #require(client.port)
            let header = origin == "SELF" ? "http://127.0.0.1:\(port)" : origin
            for uri in ["/api/machines", "/api/alerts", "/healthz"] {
                let (got, body) = try await rawGET(port: port, uri: uri, host: "127.0.0.1:\(port)",
                                                   extra: header.isEmpty ? [] : ["Origin: \(header)", "Connection: close"])
                #expect(got == status, "\(uri) with Origin \(header): \(got) \(body.prefix(300))")
                if status == 403 { #expect(body.contains("cross-site request"), "\(body)") }
            }
        }
    }

    @Test("the edge, public and redacted, answers to any name")
    func edgeAnswersAnyName() {
        #expect(HostPolicy(names: nil).allows("edge.example.org"))
        #expect(!HostPolicy(names: []).allows("edge.example.org"))
        #expect(HostPolicy(names: []).allows(nil))
    }
}

/// One HTTP/1.1 request with exactly this Host (an HTTP client library would put its own): the status and what
/// came back (within 20 s: a loaded CI machine can starve the server for seconds). The blocking socket runs on a thread of its own, not on the pool the server's handlers
/// need.
func rawGET(port: Int, uri: String, host: String, extra: [String] = []) async throws -> (Int, String) {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            continuation.resume(with: Result { try blockingGET(port: port, uri: uri, host: host, extra: extra) })
        }.start()
    }
}

private func blockingGET(port: Int, uri: String, host: String, extra: [String]) throws -> (Int, String) {
    guard let fd = connectLoopback(port: port) else { throw POSIXError(.ECONNREFUSED) }
    defer { close(fd) }
    let request = (["GET \(uri) HTTP/1.1", "Host: \(host)"] + extra + (extra.isEmpty ? ["Connection: close"] : []))
        .joined(separator: "\r\n") + "\r\n\r\n"
    _ = Array(request.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &chunk, chunk.count, 0)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 {
            if n < 0 && received.isEmpty { received = Array("errno \(errno) port \(port)".utf8) }
            break
        }
        received += chunk[0..<n]
        if !extra.isEmpty, String(decoding: received, as: UTF8.self).contains("\r\n\r\n") { break }
    }
    let text = String(decoding: received, as: UTF8.self)
    let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
    return (status, text)
}
