import SMSCore
import NIOCore
import NIOPosix
import NIOSSL

/// Opens connections that are ready for commands: TCP (and TLS for rediss://), then AUTH, SELECT and a PING, all
/// within the connect timeout.
struct RedisConnector: Sendable {
    let configuration: RedisConfiguration
    private let sslContext: NIOSSLContext?

    init(configuration: RedisConfiguration) throws(RedisError) {
        self.configuration = configuration
        guard let tls = configuration.tls else {
            sslContext = nil
            return
        }
        var settings = TLSConfiguration.makeClientConfiguration()
        if let caFile = tls.caFile { settings.trustRoots = .file(caFile) }
        do {
            sslContext = try NIOSSLContext(configuration: settings)
        } catch {
            let source = tls.caFile.map { "the CA file \($0)" } ?? "the system trust roots"
            throw RedisError(
                .configuration, "cannot set up TLS for \(configuration.endpoint): cannot load \(source) (\(error))")
        }
    }

    var endpoint: String { configuration.endpoint }

    /// A connection on `eventLoop` that has authenticated, selected the database and answered PING.
    func connect(
        on eventLoop: any EventLoop, onDiscardedError: @escaping @Sendable (String) -> Void,
        onPush: (@Sendable (RedisMessage) -> Void)? = nil
    ) -> EventLoopFuture<any Channel> {
        let configuration = configuration
        let sslContext = sslContext
        let serverName = (try? SocketAddress(ipAddress: configuration.host, port: 0)) == nil ? configuration.host : nil
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout.timeAmount)
            .channelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext {
                        try pipeline.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverName))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(RESPDecoder()))
                    try pipeline.addHandler(
                        RedisCommandHandler(
                            endpoint: configuration.endpoint, timeout: configuration.connectTimeout,
                            stallTimeout: configuration.replyTimeout,
                            onDiscardedError: onDiscardedError, onPush: onPush))
                }
            }
        let endpoint = endpoint
        let timeout = configuration.connectTimeout
        return bootstrap.connect(host: configuration.host, port: configuration.port)
            .flatMapErrorThrowing { throw RedisError.connection($0, endpoint: endpoint, timeout: timeout) }
            .flatMap { channel in handshake(channel) }
    }

    /// AUTH, SELECT and PING in one write; the channel once all succeeded, else the channel closed and an error.
    private func handshake(_ channel: any Channel) -> EventLoopFuture<any Channel> {
        var commands: [[RESPArg]] = []
        if let password = configuration.password {
            commands.append(["AUTH"] + (configuration.username.map { [RESPArg($0)] } ?? []) + [RESPArg(password)])
        }
        if configuration.database != 0 { commands.append(["SELECT", RESPArg(configuration.database)]) }
        commands.append(["PING"])
        let names = commands.map { $0[0].shown }
        let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
        let endpoint = endpoint
        let timeout = configuration.connectTimeout
        // A TLS client on a plain port (or the reverse) typically hangs here: both sides wait for the other.
        let hint = configuration.tls == nil ? "" : "; is that port serving TLS?"
        let timer = channel.eventLoop.scheduleTask(in: timeout.timeAmount) {
            promise.fail(
                RedisError(
                    .timeout, "\(endpoint) accepted the connection but did not answer within \(timeout.shown)\(hint)"))
        }
        channel.writeAndFlush(
            RedisRequest(bytes: .respCommands(commands), replyCount: names.count, promise: promise), promise: nil)
        let configuration = configuration
        return promise.futureResult.flatMapThrowing { replies -> any Channel in
            timer.cancel()
            for (name, reply) in zip(names, replies) {
                if case .error(let message) = reply {
                    throw Self.handshakeError(message, command: name, configuration: configuration)
                }
            }
            return channel
        }.flatMapError { error in
            timer.cancel()
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(error)
        }
    }

    /// A refused AUTH or SELECT as an error that says what to fix; the password never appears in it.
    static func handshakeError(_ reply: String, command: String, configuration: RedisConfiguration) -> RedisError {
        var message = reply
        if let password = configuration.password, !password.isEmpty {
            message = message.replacingOccurrences(of: password, with: "***")
        }
        let endpoint = configuration.endpoint
        if reply.hasPrefix("NOAUTH") {
            return RedisError(
                .authentication,
                "\(endpoint) requires a password (\(message)); put it in the URL: redis://:PASSWORD@host")
        }
        switch command {
        case "AUTH":
            return RedisError(
                .authentication, "\(endpoint) rejected the credentials (\(message)); check the password in the URL")
        case "SELECT":
            return RedisError(
                .configuration,
                "\(endpoint) refused database \(configuration.database) (\(message)); check the /db in the URL")
        default:
            return RedisError(.server, "\(endpoint) refused \(command) while connecting (\(message))")
        }
    }
}
