import NIOCore
import NIOPosix
import Synchronization

/// A loopback TCP server that answers like a broken Redis: for each read on each connection, `respond` returns
/// the text to send back (nil: stay silent), so tests can script silence and garbage.
final class FakeRedisServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let connections: Connections

    /// - Parameter respond: called with the connection's number (from 1) and the read's number (from 1).
    static func start(respond: @escaping @Sendable (_ connection: Int, _ read: Int) -> String?) async throws
        -> FakeRedisServer
    {
        let connections = Connections()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                let number = connections.count.add(1, ordering: .relaxed).newValue
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ScriptedHandler(connection: number, respond: respond))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeRedisServer(channel: channel, connections: connections)
    }

    private init(channel: any Channel, connections: Connections) {
        self.channel = channel
        self.connections = connections
        port = channel.localAddress?.port ?? 0
    }

    /// Connections accepted so far.
    var connectionCount: Int { connections.count.load(ordering: .relaxed) }

    var url: String { "redis://127.0.0.1:\(port)" }

    /// Stops listening (accepted connections close when the client closes them).
    func stop() async throws { try await channel.close() }

    private final class Connections: Sendable {
        let count = Atomic<Int>(0)
    }

    private final class ScriptedHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let connection: Int
        let respond: @Sendable (Int, Int) -> String?
        var reads = 0

        init(connection: Int, respond: @escaping @Sendable (Int, Int) -> String?) {
            self.connection = connection
            self.respond = respond
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            reads += 1
            guard let reply = respond(connection, reads) else { return }
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply)), promise: nil)
        }
    }
}
