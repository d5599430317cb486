import SMSCore
import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket

/// One dashboard connection on `/ws`: snapshot first, then coalesced updates; reads only subscription messages.
struct LiveSocket: Sendable {
    /// Largest message a browser may send (`{"subscribe":"some-machine-id"}` is far below).
    static let maxInboundBytes = 1024

    /// Machines one connection may follow in detail at once (the dashboard follows the one it shows): each costs
    /// the gateway work on every update, so a client asking for unbounded ids would slow everyone's updates.
    static let maxSubscriptions = 64

    /// Why the gateway ends a connection, as a WebSocket close code and reason, and which counter it goes to.
    struct Close: Error {
        let code: WebSocketErrorCode
        let reason: String
        /// A slow client (behind, or a stuck write) rather than a misbehaving one.
        var slow = false
    }

    let feed: any LiveSource
    let clients: ClientRegistry
    let metrics: GatewayMetrics
    let configuration: GatewayConfiguration

    /// Runs the connection until the browser leaves, misbehaves or falls too far behind.
    func run(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel, logger: Logger
    ) async throws {
        let client = LiveClient(id: clients.makeID(), maxPendingBytes: configuration.maxPendingBytes)
        clients.add(client)
        defer {
            clients.remove(client)
            client.finish()
        }
        do {
            try await send(try await feed.snapshot(), outbound: outbound, channel: channel)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await read(inbound, client: client) }
                group.addTask { try await write(client, outbound: outbound, channel: channel) }
                try await group.next()
                group.cancelAll()
            }
        } catch let close as Close {
            logger.debug("closing dashboard socket", metadata: ["code": "\(close.code)", "reason": "\(close.reason)"])
            if close.slow { metrics.droppedSlow.increment() } else { metrics.droppedProtocol.increment() }
            try? await outbound.close(close.code, reason: close.reason)
        }
    }

    /// Accepts only `{"subscribe":"id"}` and `{"unsubscribe":"id"}` text messages of at most 1 KiB.
    private func read(_ inbound: WebSocketInboundStream, client: LiveClient) async throws {
        var message: [UInt8] = []
        for try await frame in inbound {
            guard frame.opcode != .binary else { throw Close(code: .unacceptableData, reason: "binary not accepted") }
            message += frame.data.readableBytesView
            guard message.count <= Self.maxInboundBytes else {
                throw Close(code: .policyViolation, reason: "message larger than 1 KiB")
            }
            guard frame.fin else { continue }
            defer { message = [] }
            guard let command = ClientCommand(json: message) else {
                throw Close(code: .policyViolation, reason: "expected {\"subscribe\":\"machine\"}")
            }
            switch command {
            case .subscribe(let id):
                guard client.setSubscribed(id, true, limit: Self.maxSubscriptions) else {
                    throw Close(code: .policyViolation, reason: "at most \(Self.maxSubscriptions) subscriptions at once")
                }
                if let detail = await feed.detail(id, includeSeries: true) {
                    client.offer(summaries: [:], details: [id: detail], alerts: nil)
                }
            case .unsubscribe(let id):
                client.setSubscribed(id, false)
            }
        }
    }

    /// Sends whatever is pending each time the client wakes, so a slow browser gets the latest, not a backlog.
    private func write(_ client: LiveClient, outbound: WebSocketOutboundWriter, channel: any Channel) async throws {
        for await _ in client.wakes {
            if client.overflowed { throw Close(code: .unknown(1013), reason: "too far behind; reconnect", slow: true) }
            guard let outgoing = client.take(serverTimeMs: FleetView.nowMs()) else { continue }
            if let snapshot = outgoing.snapshot { try await send(snapshot, outbound: outbound, channel: channel) }
            if let update = outgoing.update { try await send(update, outbound: outbound, channel: channel) }
        }
    }

    /// Writes one text message; a write stuck longer than `writeTimeout` closes the connection outright
    /// (a close frame could not get through a full socket either).
    private func send(_ bytes: [UInt8], outbound: WebSocketOutboundWriter, channel: any Channel) async throws {
        let timeout = configuration.writeTimeout
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await outbound.write(.text(String(decoding: bytes, as: UTF8.self))) }
            group.addTask {
                try await Task.sleep(for: timeout)
                channel.close(promise: nil)
                throw Close(code: .policyViolation, reason: "write timed out", slow: true)
            }
            try await group.next()
            group.cancelAll()
        }
        metrics.messagesSent.increment()
        metrics.bytesSent.increment(by: Int64(bytes.count))
    }
}

/// What a browser may ask on `/ws`.
enum ClientCommand: Equatable {
    case subscribe(String)
    case unsubscribe(String)

    /// Parses a JSON object with exactly one key, `subscribe` or `unsubscribe`, whose value is a short string.
    init?(json: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any], object.count == 1,
            let (key, value) = object.first, let id = value as? String, !id.isEmpty, id.utf8.count <= 256
        else { return nil }
        switch key {
        case "subscribe": self = .subscribe(id)
        case "unsubscribe": self = .unsubscribe(id)
        default: return nil
        }
    }
}
