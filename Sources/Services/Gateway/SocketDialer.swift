import SMSCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// A minimal WebSocket client on SwiftNIO: dials `ws://` or `wss://`, sends text, reads messages.
///
/// Services does not depend on HummingbirdWSClient, and the edge pusher needs little: text frames out, pings
/// answered, close codes seen. Tests use it to play the browser.
enum SocketDialer {
    /// What the server answered to the upgrade request.
    enum Outcome: Sendable {
        case upgraded(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        /// The server answered with a plain HTTP response (401, 403, 405 …) instead of switching protocols.
        case refused
    }

    /// A dialer problem a person can act on.
    struct DialError: Error, CustomStringConvertible {
        let description: String
    }

    /// Connects and performs the upgrade handshake with the given extra headers (`Authorization`, `Origin`).
    static func dial(
        url: String, headers: [(String, String)] = [], maxFrameSize: Int = 1 << 24, caFile: String? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> Outcome {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host,
            scheme == "ws" || scheme == "wss"
        else { throw DialError(description: "not a ws:// or wss:// URL: \(url)") }
        let tls = scheme == "wss"
        let port = parsed.port ?? (tls ? 443 : 80)
        let path = (parsed.path.isEmpty ? "/" : parsed.path) + (parsed.query.map { "?\($0)" } ?? "")
        // wss:// is verified: against `caFile` when given (an edge with a certificate of one's own CA), else the
        // system's roots; the certificate must name the URL's host.
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile { configuration.trustRoots = .file(caFile) }
        let sslContext = tls ? try NIOSSLContext(configuration: configuration) : nil
        // An IP address is checked against the certificate's IP names; SNI carries host names only.
        let isAddress = host.contains(":") || host.split(separator: ".").allSatisfy { Int($0) != nil }
        var head = HTTPHeaders([("Host", parsed.port == nil ? host : "\(host):\(port)")])
        head.add(contentsOf: headers)
        let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: head)

        let future: EventLoopFuture<Outcome> = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        let ssl = try NIOSSLClientHandler(context: sslContext, serverHostname: isAddress ? nil : host)
                        try channel.pipeline.syncOperations.addHandler(ssl)
                    }
                    let upgrader = NIOTypedWebSocketClientUpgrader<Outcome>(maxFrameSize: maxFrameSize) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            .upgraded(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                        }
                    }
                    let upgrade = NIOTypedHTTPClientUpgradeConfiguration<Outcome>(
                        upgradeRequestHead: request, upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in
                            channel.close(promise: nil)
                            return channel.eventLoop.makeSucceededFuture(.refused)
                        })
                    // The server's first frame may arrive in the same read as its 101 response: keep those bytes.
                    var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: upgrade)
                    pipeline.leftOverBytesStrategy = .forwardBytes
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: pipeline)
                }
            }
        return try await future.get()
    }

    /// A text frame from the client side (clients must mask every frame).
    static func textFrame(_ text: String) -> WebSocketFrame {
        clientFrame(.text, data: ByteBuffer(string: text))
    }

    /// A text message split into frames of at most `maxFrame` bytes (continuation frames after the first).
    static func textFrames(_ bytes: [UInt8], maxFrame: Int = 1 << 16) -> [WebSocketFrame] {
        guard bytes.count > maxFrame else { return [clientFrame(.text, data: ByteBuffer(bytes: bytes))] }
        return stride(from: 0, to: bytes.count, by: maxFrame).map { start in
            let end = min(bytes.count, start + maxFrame)
            var frame = clientFrame(start == 0 ? .text : .continuation, data: ByteBuffer(bytes: bytes[start..<end]))
            frame.fin = end == bytes.count
            return frame
        }
    }

    /// A close frame with a code, as a client sends it.
    static func closeFrame(_ code: WebSocketErrorCode = .normalClosure) -> WebSocketFrame {
        var data = ByteBuffer()
        data.write(webSocketErrorCode: code)
        return clientFrame(.connectionClose, data: data)
    }

    static func clientFrame(_ opcode: WebSocketOpcode, data: ByteBuffer) -> WebSocketFrame {
        let key = WebSocketMaskingKey((0..<4).map { _ in UInt8.random(in: .min ... .max) })
        return WebSocketFrame(fin: true, opcode: opcode, maskKey: key, data: data)
    }
}

/// Reads whole messages from a dialed socket, answering pings, until a close frame or the end of the stream.
struct SocketReader {
    /// One thing the server said.
    enum Message: Equatable {
        case text(String)
        case binary([UInt8])
        case close(code: UInt16?)
    }

    var iterator: NIOAsyncChannelInboundStream<WebSocketFrame>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>

    /// The next message; nil when the connection ended without a close frame.
    mutating func next() async throws -> Message? {
        var pending: [UInt8] = []
        var binary = false
        while let frame = try await iterator.next() {
            let data = frame.unmaskedData
            switch frame.opcode {
            case .ping:
                try await outbound.write(SocketDialer.clientFrame(.pong, data: data))
            case .pong:
                continue
            case .connectionClose:
                var copy = data
                return .close(code: copy.readInteger(as: UInt16.self))
            case .text, .binary, .continuation:
                if frame.opcode != .continuation { binary = frame.opcode == .binary }
                pending += data.readableBytesView
                if frame.fin { return binary ? .binary(pending) : .text(String(decoding: pending, as: UTF8.self)) }
            default:
                continue
            }
        }
        return nil
    }
}
