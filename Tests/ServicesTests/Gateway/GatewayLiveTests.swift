import Foundation
import HummingbirdTesting
import NIOCore
import NIOWebSocket
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("Gateway live WebSocket")
struct GatewayLiveTests {
    static let configuration = GatewayConfiguration(auth: .open, host: "127.0.0.1", port: 0, flushInterval: .milliseconds(50))

    /// Opens `/ws` on the live test server and runs `body` with a reader and the outbound writer.
    static func withSocket(
        port: Int?, headers: [(String, String)] = [],
        _ body: (inout SocketReader, NIOAsyncChannelOutboundWriter<WebSocketFrame>) async throws -> Void
    ) async throws {
        let port = try #require(port)
        guard
            case .upgraded(let channel) = try await SocketDialer.dial(
                url: "ws://127.0.0.1:\(port)/ws", headers: headers)
        else {
            Issue.record("upgrade refused")
            return
        }
        try await channel.executeThenClose { inbound, outbound in
            var reader = SocketReader(iterator: inbound.makeAsyncIterator(), outbound: outbound)
            try await body(&reader, outbound)
        }
    }

    /// The next message as JSON, failing the test on a close or the end of the stream.
    static func nextJSON(_ reader: inout SocketReader) async throws -> [String: Any] {
        let message = try await reader.next()
        guard case .text(let text) = message else {
            Issue.record("expected a text message, got \(String(describing: message))")
            return [:]
        }
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    @Test func snapshotOnConnectThenUpdatesAfterABatch() async throws {
        let fx = GatewayFixture()
        try await fx.feed(count: 3)
        try await fx.app(Self.configuration).test(.live) { client in
            try await Self.withSocket(port: client.port, headers: [("Origin", "http://127.0.0.1:\(client.port!)")]) {
                reader, _ in
                let snapshot = try await Self.nextJSON(&reader)
                #expect(snapshot["type"] as? String == "snapshot")
                #expect((snapshot["machines"] as? [[String: Any]])?.map { $0["id"] as? String } == ["nfrt", "mcrn"])

                let batch = GatewayFixture.batch("mcrn", seq: 99, at: GatewayFixture.nowMs(), cpu: 77)
                try await fx.state.record(
                    batch, agentVersion: nil, specHash: nil, backlog: nil,
                    receivedMs: GatewayFixture.nowMs())
                await fx.bus.publish(.batch(batch))
                // Updates carry only changed machines (and periodically all); wait for the one with the new value.
                var cpu: Double?
                for _ in 0..<20 where cpu != 77 {
                    let update = try await Self.nextJSON(&reader)
                    #expect(update["type"] as? String == "update")
                    let machines = try #require(update["machines"] as? [[String: Any]])
                    let mcrn = machines.first { $0["id"] as? String == "mcrn" }
                    cpu = (mcrn?["values"] as? [String: Any])?["cpu"] as? Double
                }
                #expect(cpu == 77)
            }
        }
    }

    @Test func subscriptionStreamsTheMachineDetail() async throws {
        let fx = GatewayFixture()
        try await fx.feed(count: 3)
        try await fx.app(Self.configuration).test(.live) { client in
            try await Self.withSocket(port: client.port) { reader, outbound in
                _ = try await Self.nextJSON(&reader)
                try await outbound.write(SocketDialer.textFrame(#"{"subscribe":"mcrn"}"#))
                var details: [[String: Any]] = []
                for _ in 0..<20 where details.isEmpty {
                    details = try await Self.nextJSON(&reader)["details"] as? [[String: Any]] ?? []
                }
                #expect((details.first?["machine"] as? [String: Any])?["id"] as? String == "mcrn")
                #expect((details.first?["top"] as? [[String: Any]])?.first?["pid"] as? Int == 42)
                #expect((details.first?["samples"] as? [Any])?.count == 9)
            }
        }
    }

    @Test(arguments: [
        (#"{"delete":"everything"}"#, WebSocketErrorCode.policyViolation),
        (String(repeating: "x", count: 2000), .policyViolation),
    ])
    func badMessageClosesTheSocket(message: String, code: WebSocketErrorCode) async throws {
        let fx = GatewayFixture()
        try await fx.app(Self.configuration).test(.live) { client in
            try await Self.withSocket(port: client.port) { reader, outbound in
                _ = try await Self.nextJSON(&reader)
                try await outbound.write(SocketDialer.textFrame(message))
                var closed: UInt16?
                while let next = try await reader.next() {
                    if case .close(let c) = next {
                        closed = c
                        break
                    }
                }
                #expect(closed == UInt16(webSocketErrorCode: code))
            }
        }
    }

    @Test("one socket follows at most 64 machines; the 65th subscribe closes it, and others are still served")
    func subscriptionsAreBounded() async throws {
        let fx = GatewayFixture()
        try await fx.app(Self.configuration).test(.live) { client in
            try await Self.withSocket(port: client.port) { reader, outbound in
                _ = try await Self.nextJSON(&reader)
                // Re-subscribing one already followed, and following again after an unsubscribe, stay within it.
                for i in 0..<LiveSocket.maxSubscriptions {
                    try await outbound.write(SocketDialer.textFrame(#"{"subscribe":"m-\#(i)"}"#))
                }
                try await outbound.write(SocketDialer.textFrame(#"{"subscribe":"m-0"}"#))
                try await outbound.write(SocketDialer.textFrame(#"{"unsubscribe":"m-1"}"#))
                try await outbound.write(SocketDialer.textFrame(#"{"subscribe":"m-x"}"#))
                try await outbound.write(SocketDialer.textFrame(#"{"subscribe":"m-y"}"#))
                var closed: UInt16?
                while let next = try await reader.next() {
                    if case .close(let c) = next {
                        closed = c
                        break
                    }
                }
                #expect(closed == UInt16(webSocketErrorCode: .policyViolation))
            }
            try await Self.withSocket(port: client.port) { reader, _ in
                let snapshot = try await Self.nextJSON(&reader)
                #expect(snapshot["machines"] != nil)
            }
        }
    }

    @Test func foreignOriginIsRefused() async throws {
        try await GatewayFixture().app(Self.configuration).test(.live) { client in
            let port = try #require(client.port)
            let outcome = try await SocketDialer.dial(
                url: "ws://127.0.0.1:\(port)/ws", headers: [("Origin", "https://evil.example")])
            guard case .refused = outcome else {
                Issue.record("a foreign origin was upgraded")
                return
            }
        }
    }
}

extension UInt16 {
    init(webSocketErrorCode code: WebSocketErrorCode) {
        var buffer = ByteBuffer()
        buffer.write(webSocketErrorCode: code)
        self = buffer.readInteger(as: UInt16.self)!
    }
}
