import SMSCore
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOCore
import Synchronization

/// Sends the buffer to the aggregator over one gRPC stream at a time, and drops what the aggregator acknowledges.
///
/// On any failure it reconnects with jittered exponential backoff (capped at 4 s) and replays every
/// unacknowledged batch in order, while sampling goes on into the buffer.
public struct Uplink: Sendable {
    public struct Target: Sendable {
        public var host: String
        public var port: Int
        /// PEM CA file to trust for TLS; nil with `tls` true means the system's roots.
        public var tls: Bool
        public var caFile: String?
        public init(host: String, port: Int, tls: Bool = false, caFile: String? = nil) {
            self.host = host
            self.port = port
            self.tls = tls
            self.caFile = caFile
        }
    }

    let target: Target
    let machine: String
    let token: String
    let agentVersion: String
    let specHash: String
    let buffer: DiskBuffer
    let doorbell: Doorbell
    let logger: Logger
    /// Where the connection runs (the collector's one event loop).
    let eventLoopGroup: any EventLoopGroup
    let refreshToken: (@Sendable () -> String?)?
    /// True while a stream is open and the aggregator has answered.
    let connected = Flag()
    /// Set when the collector stops: the open stream ends its requests and waits for the hub's last Ack.
    let stopping = Flag()

    init(target: Target, machine: String, token: String, agentVersion: String, specHash: String, buffer: DiskBuffer,
         doorbell: Doorbell, logger: Logger, eventLoopGroup: any EventLoopGroup,
         refreshToken: (@Sendable () -> String?)? = nil) {
        self.eventLoopGroup = eventLoopGroup
        self.refreshToken = refreshToken
        self.target = target
        self.machine = machine
        self.token = token
        self.agentVersion = agentVersion
        self.specHash = specHash
        self.buffer = buffer
        self.doorbell = doorbell
        self.logger = logger
    }

    /// How long a stopping collector waits for the hub's last Ack before it leaves anyway.
    static let stopGrace: TimeAmount = .seconds(2)

    /// Streams until the task is cancelled. Then an open stream ends gracefully: no further batch is sent, and
    /// the hub's Ack for everything it stored (it paces Acks, so up to `ackEveryMs` of batches) is awaited for at
    /// most `stopGrace`, so a restart does not resend what the hub holds.
    func run(executor: (any TaskExecutor)? = nil) async {
        let streaming = Task(executorPreference: executor) { await reconnect() }
        let deadline = Mutex<Task<Void, Never>?>(nil)
        await withTaskCancellationHandler {
            await streaming.value
        } onCancel: {
            stopping.set(true)
            doorbell.ring()
            guard connected.get() else { return streaming.cancel() }
            let loop = eventLoopGroup.next()
            deadline.withLock {
                $0 = Task(executorPreference: executor) {
                    await loop.sleep(for: Self.stopGrace)
                    if !Task.isCancelled { streaming.cancel() }
                }
            }
        }
        deadline.withLock { $0?.cancel() }
    }

    private func reconnect() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await streamOnce()
                if stopping.get() { break }
                logger.info("hub closed the stream; reconnecting", metadata: ["hub": "\(target.host):\(target.port)"])
            } catch {
                if Task.isCancelled || stopping.get() { break }
                if failures == 0 || failures % 20 == 0 {
                    logger.warning("cannot stream to the hub; retrying with backoff", metadata: [
                        "hub": "\(target.host):\(target.port)", "error": "\(Self.describe(error))",
                        "backlog": "\(buffer.backlog)",
                    ])
                }
            }
            // A stream that got as far as an acknowledgement resets the backoff.
            failures = connected.get() ? 1 : failures + 1
            connected.set(false)
            let cap = 4.0
            let base = min(cap, 0.25 * pow(2, Double(min(failures, 8))))
            await eventLoopGroup.next().sleep(for: .milliseconds(Int64(base * Double.random(in: 0.5...1.0) * 1000)))
        }
    }

    private func streamOnce() async throws {
        let security: HTTP2ClientTransport.Posix.TransportSecurity
        if target.tls {
            security = .tls { config in
                if let ca = target.caFile { config.trustRoots = .certificates([.file(path: ca, format: .pem)]) }
            }
        } else {
            security = .plaintext
        }
        try await withGRPCClient(
            transport: .http2NIOPosix(
                target: resolvedTarget, transportSecurity: security,
                // One small message a second: coalescing flushes would only add a timer wake-up per batch.
                config: .defaults {
                    $0.connection.flushCoalescing = nil
                    $0.connection.keepalive = Self.keepalive
                }, eventLoopGroup: eventLoopGroup)
        ) { client in
            let ingest = Sms_V1_Ingest.Client(wrapping: client)
            var metadata = Metadata()
            let token = refreshToken?() ?? self.token
            metadata.addString("Bearer \(token)", forKey: "authorization")
            metadata.addString(machine, forKey: "sms-machine")
            let epoch = buffer.epoch
            metadata.addString(String(epoch, radix: 16), forKey: "sms-epoch")
            // Each Ack wakes the collector; it needs them only to free its buffer, so a few seconds apart will do.
            metadata.addString(String(Self.ackEveryMs), forKey: "sms-ack-every-ms")
            let firstAck = Doorbell()
            let request = StreamingClientRequest<Sms_V1_Batch>(metadata: metadata) { writer in
                // Wait for the aggregator to say what it already holds, so replay starts after that.
                await firstAck.wait()
                var encoder = StreamEncoder(machine: machine, agentVersion: agentVersion, specHash: specHash)
                var sent = buffer.acknowledged
                while !Task.isCancelled && !stopping.get() {
                    let pending = try buffer.batches(after: max(sent, buffer.acknowledged), machine: machine, limit: 128)
                    if pending.isEmpty {
                        await doorbell.wait()
                        continue
                    }
                    let last = buffer.nextSeq - 1
                    for batch in pending {
                        try await writer.write(encoder.encode(batch, backlog: last - batch.seq))
                        sent = batch.seq
                    }
                }
            }
            try await ingest.stream(request: request) { response in
                for try await ack in response.messages {
                    guard buffer.acknowledge(ack.ackedSeq) else {
                        let sent = buffer.nextSeq - 1
                        let next = try buffer.startNewEpoch()
                        logger.warning(
                            "the hub holds more of this machine's sequence than this buffer ever sent (a restored or replaced buffer, or another sender with this machine's token); starting a new sequence epoch so nothing unacknowledged is taken for a replay",
                            metadata: [
                                "hub": "\(target.host):\(target.port)", "acked_seq": "\(ack.ackedSeq)", "last_seq": "\(sent)",
                                "epoch": "\(String(next, radix: 16))", "backlog": "\(buffer.backlog)",
                            ])
                        throw EpochRestart()
                    }
                    if !connected.get() {
                        connected.set(true)
                        logger.info("streaming to the hub", metadata: [
                            "hub": "\(target.host):\(target.port)", "acked_seq": "\(ack.ackedSeq)", "backlog": "\(buffer.backlog)",
                        ])
                        firstAck.ring()
                    }
                }
            }
        }
    }

    /// How often the hub is asked to acknowledge a live stream: batches stay in the buffer up to this much longer.
    public static let ackEveryMs = 5_000

    /// A stream the hub has said nothing on for 10 s (it acknowledges every 5 s while batches flow) is pinged,
    /// and closed when the ping is not answered within 5 s: a link that went down without a word (a cable, a
    /// VPN, a suspended VM) is found in ~15 s and the collector reconnects and replays, instead of writing into a
    /// dead connection until TCP gives up minutes later.
    static let keepalive = HTTP2ClientTransport.Config.Keepalive(time: .seconds(10), timeout: .seconds(5), allowWithoutCalls: false)

    /// IP literals are dialled as addresses: TLS then checks the certificate's IP SAN instead of sending the
    /// address as an SNI host name, which TLS forbids.
    private var resolvedTarget: any ResolvableTarget {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, target.host, &v4) == 1 { return .ipv4(address: target.host, port: target.port) }
        if inet_pton(AF_INET6, target.host, &v6) == 1 { return .ipv6(address: target.host, port: target.port) }
        return .dns(host: target.host, port: target.port)
    }

    /// An RPC error's message without the transport's noise.
    static func describe(_ error: any Error) -> String {
        if let rpc = error as? RPCError { return "\(rpc.code): \(rpc.message)" }
        return "\(error)"
    }
}

/// Ends a stream so the next one opens with the buffer's new epoch.
struct EpochRestart: Error, CustomStringConvertible {
    var description: String { "reconnecting with a new sequence epoch" }
}

/// A yes-or-no state of the uplink (streaming, stopping), readable from any task.
final class Flag: Sendable {
    private let value = Mutex(false)
    func get() -> Bool { value.withLock { $0 } }
    func set(_ v: Bool) { value.withLock { $0 = v } }
}
