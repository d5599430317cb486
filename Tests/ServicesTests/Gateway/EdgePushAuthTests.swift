import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

@testable import Services

/// A gateway proves the edge's token without sending it; a recorded push request or message cannot be replayed;
/// one gateway pushes at a time. Before, the token travelled in every upgrade request, a recorded request could be
/// replayed at will, and any second pusher replaced the hub.
@Suite("Edge push authentication")
struct EdgePushAuthTests {
    static let token = "edge-token-0123456789"

    static func request(_ authorization: String?) -> Request {
        var fields = HTTPFields()
        if let authorization { fields[.authorization] = authorization }
        return Request(
            head: HTTPRequest(method: .get, scheme: nil, authority: "edge", path: "/push", headerFields: fields),
            body: .init(buffer: ByteBuffer()))
    }

    @Test("the handshake: a fresh signed request passes once; a replay, a time a minute off, another token, the token itself or garbage do not")
    func handshake() {
        let clock = Mutex<Int64>(1_800_000_000_000)
        let auth = PushAuthorization(token: Self.token, now: { clock.withLock { $0 } })
        let now = clock.withLock { $0 }
        let fresh = PushSignature.header(token: Self.token, nowMs: now)
        #expect(auth.refusal(Self.request(fresh)) == nil)
        #expect(auth.refusal(Self.request(fresh))?.contains("nonce already used") == true)
        #expect(!fresh.contains(Self.token))
        for (header, why) in [
            (PushSignature.header(token: Self.token, nowMs: now - 61_000), "off the edge's clock"),
            (PushSignature.header(token: Self.token, nowMs: now + 61_000), "off the edge's clock"),
            (PushSignature.header(token: "another-token-0123456789", nowMs: now), "wrong token"),
            ("Bearer \(Self.token)", "no SMS-Push"),
            ("SMS-Push t=\(now),n=zz,mac=00", "no SMS-Push"),
            ("SMS-Push t=\(now)", "no SMS-Push"),
        ] {
            #expect(auth.refusal(Self.request(header))?.contains(why) == true, "\(header): \(String(describing: auth.refusal(Self.request(header))))")
        }
        #expect(auth.refusal(Self.request(nil)) != nil)
        // Within the window either way, a new nonce passes; the used one is remembered past the window's end.
        clock.withLock { $0 += 59_000 }
        #expect(auth.refusal(Self.request(PushSignature.header(token: Self.token, nowMs: now))) == nil)
        #expect(auth.refusal(Self.request(fresh)) != nil)
    }

    @Test("messages: only the next counter, unaltered, with this connection's key opens")
    func messages() {
        let key = PushSignature.sessionKey(token: Self.token, nonce: PushSignature.randomNonce())
        let payload = Array(#"{"type":"update","machines":[]}"#.utf8)
        let sealed = PushSignature.seal(payload, counter: 7, key: key)
        #expect(PushSignature.open(sealed, counter: 7, key: key).map(Array.init) == payload)
        #expect(PushSignature.open(sealed, counter: 8, key: key) == nil, "replayed or reordered")
        #expect(PushSignature.open(sealed, counter: 6, key: key) == nil)
        var altered = sealed
        altered[altered.count - 3] = UInt8(ascii: "X")
        #expect(PushSignature.open(altered, counter: 7, key: key) == nil, "altered")
        let otherKey = PushSignature.sessionKey(token: Self.token, nonce: PushSignature.randomNonce())
        #expect(PushSignature.open(sealed, counter: 7, key: otherKey) == nil, "another connection's")
        #expect(PushSignature.open(payload, counter: 1, key: key) == nil, "unsigned")
        #expect(PushSignature.open([], counter: 1, key: key) == nil)
        // A MAC field that is not hex: non-ASCII (two UTF-8 bytes, one character), a sign, a space.
        for mac in ["\u{6E6}", "+f", " f", String(repeating: "é", count: 32)] {
            #expect(PushSignature.open(Array("7 \(mac)\n".utf8) + payload, counter: 7, key: key) == nil, "mac \(mac)")
        }
        #expect(PushSignature.unhex("00ff7Fa0") == [0x00, 0xFF, 0x7F, 0xA0])
    }

    @Test("against a live edge: a replayed upgrade is refused, a second gateway is refused while one pushes, a replayed message closes the push")
    func liveEdge() async throws {
        let app = try buildEdgeApplication(
            configuration: EdgeConfiguration(host: "127.0.0.1", port: 0, token: Self.token), logger: GatewayEdgeTests.quietLogger())
        try await app.test(.live) { client in
            let url = "ws://127.0.0.1:\(try #require(client.port))/push"
            let nonce = PushSignature.randomNonce()
            let header = PushSignature.header(token: Self.token, nowMs: FleetView.nowMs(), nonce: nonce)
            guard case .upgraded(let channel) = try await SocketDialer.dial(url: url, headers: [("Authorization", header)]) else {
                Issue.record("a signed push was refused")
                return
            }
            guard case .refused = try await SocketDialer.dial(url: url, headers: [("Authorization", header)]) else {
                Issue.record("a replayed upgrade request was accepted")
                return
            }
            let second = PushSignature.header(token: Self.token, nowMs: FleetView.nowMs())
            guard case .refused = try await SocketDialer.dial(url: url, headers: [("Authorization", second)]) else {
                Issue.record("a second gateway replaced the one pushing")
                return
            }
            let key = PushSignature.sessionKey(token: Self.token, nonce: nonce)
            let snapshot = try LiveMessage.encode(LiveMessage.Snapshot(
                serverTimeMs: FleetView.nowMs(), spec: "pushed", specHash: "", readOnly: true, flushIntervalMs: 1000,
                machines: [], alerts: [], recent: [:]))
            try await channel.executeThenClose { inbound, outbound in
                for frame in SocketDialer.textFrames(PushSignature.seal(snapshot, counter: 1, key: key)) { try await outbound.write(frame) }
                // The same message again: a replay.
                for frame in SocketDialer.textFrames(PushSignature.seal(snapshot, counter: 1, key: key)) { try await outbound.write(frame) }
                var reader = SocketReader(iterator: inbound.makeAsyncIterator(), outbound: outbound)
                var closed: UInt16?
                while let message = try await reader.next() {
                    if case .close(let code) = message { closed = code; break }
                }
                #expect(closed == 1008, "the edge kept a push whose message was replayed (close \(String(describing: closed)))")
            }
        }
    }
}
