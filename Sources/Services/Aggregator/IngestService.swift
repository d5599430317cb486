import SMSCore
import Foundation
import GRPCCore
import Logging
import ServiceLifecycle
import Synchronization

/// The aggregator's gRPC service: authenticates each collector stream, checks every batch, hands it to the
/// committer and acknowledges it, in order, once it is durably stored.
public struct IngestService: Sms_V1_Ingest.ServiceProtocol {
    /// Answers which token a machine must present; nil when the machine is not in the spec.
    public typealias TokenLookup = @Sendable (String) -> TokenExpectation

    public enum TokenExpectation: Sendable {
        case unknownMachine
        case noTokenYet
        case token(String)
    }

    public struct Limits: Sendable {
        public var maxStreams = 10_000
        /// A batch further ahead of the hub's clock is refused: it would stand as the machine's newest sample,
        /// and hide the real ones from the live view, until the hub's clock caught up with it.
        public var maxFutureSkewMs: Int64 = 60_000
        /// A batch older than any collector buffer keeps (30 days, the spec's longest `buffer`, plus a day) is
        /// refused: it comes from a wrong clock, not from a replay.
        public var maxAgeMs: Int64 = 31 * 86_400_000
        public var decoder = StreamDecoder.Limits()
        /// Distinct series a machine may have across its streams and reconnects (see `SeriesBudget`).
        public var maxSeriesPerMachine = 20_000
        public init() {}
    }

    let committer: Committer
    let tokens: TokenLookup
    let state: any StateStore
    let bus: any EventBus
    let metrics: AggregatorMetrics
    let limits: Limits
    let health: @Sendable () -> Sms_V1_HealthResponse
    /// Moves on each spec reload; open streams then check their token again.
    let generation: @Sendable () -> Int
    let logger: Logger
    let counter = StreamCounter()
    let seriesBudget: SeriesBudget

    public init(committer: Committer, tokens: @escaping TokenLookup, state: any StateStore, bus: any EventBus,
                metrics: AggregatorMetrics, limits: Limits = Limits(), logger: Logger,
                generation: @escaping @Sendable () -> Int = { 0 },
                health: @escaping @Sendable () -> Sms_V1_HealthResponse) {
        self.generation = generation
        self.committer = committer
        self.tokens = tokens
        self.state = state
        self.bus = bus
        self.metrics = metrics
        self.limits = limits
        seriesBudget = SeriesBudget(maxPerMachine: limits.maxSeriesPerMachine)
        self.logger = logger
        self.health = health
    }

    public var openStreams: Int { counter.value.load(ordering: .relaxed) }

    public func health(request: ServerRequest<Sms_V1_HealthRequest>, context: ServerContext) async throws
        -> ServerResponse<Sms_V1_HealthResponse>
    {
        var response = health()
        response.openStreams = UInt32(clamping: openStreams)
        return ServerResponse(message: response)
    }

    public func stream(request: StreamingServerRequest<Sms_V1_Batch>, context: ServerContext) async throws
        -> StreamingServerResponse<Sms_V1_Ack>
    {
        let machine: String
        let token: String
        let epoch: UInt64
        let ackEvery: Duration
        do {
            (machine, token) = try authenticate(request.metadata)
            epoch = try Self.epoch(request.metadata)
            ackEvery = try Self.ackEvery(request.metadata)
        } catch {
            metrics.streamsRejected.increment()
            logger.warning("collector stream refused", metadata: ["peer": "\(context.remotePeer)", "reason": "\(error.message)"])
            throw error
        }
        guard openStreams < limits.maxStreams else {
            metrics.streamsRejected.increment()
            throw RPCError(code: .resourceExhausted, message: "the aggregator is at its limit of \(limits.maxStreams) streams")
        }
        return StreamingServerResponse { writer in
            // Counted only once the stream's handler runs, and given back whichever way it ends: a stream its
            // client aborts before the handler starts never held a slot.
            guard counter.value.add(1, ordering: .relaxed).newValue <= limits.maxStreams else {
                counter.value.subtract(1, ordering: .relaxed)
                metrics.streamsRejected.increment()
                throw RPCError(code: .resourceExhausted, message: "the aggregator is at its limit of \(limits.maxStreams) streams")
            }
            defer { counter.value.subtract(1, ordering: .relaxed) }
            metrics.openStreams.set(Double(openStreams))
            let session = StreamSession(machine: machine, token: token, epoch: epoch, ackEvery: ackEvery, service: self)
            await session.connected(true)
            do {
                try await session.run(messages: request.messages, writer: writer)
            } catch {
                await session.connected(false)
                metrics.openStreams.set(Double(openStreams - 1))
                throw error
            }
            await session.connected(false)
            metrics.openStreams.set(Double(openStreams - 1))
            return [:]
        }
    }

    /// The buffer epoch a collector streams with: `sms-epoch`, 16 hex digits; 0 when absent (collectors before
    /// epochs).
    static func epoch(_ metadata: Metadata) throws(RPCError) -> UInt64 {
        guard let text = metadata[stringValues: "sms-epoch"].first(where: { _ in true }) else { return 0 }
        guard text.utf8.count <= 16, let value = UInt64(text, radix: 16), value != 0 else {
            throw RPCError(code: .invalidArgument, message: "sms-epoch must be 1 to 16 hex digits, not zero")
        }
        return value
    }

    /// How often the collector wants acknowledgements (`sms-ack-every-ms`, 0 to 10000; zero when absent: each
    /// batch is acknowledged as it is stored).
    static func ackEvery(_ metadata: Metadata) throws(RPCError) -> Duration {
        guard let text = metadata[stringValues: "sms-ack-every-ms"].first(where: { _ in true }) else { return .zero }
        guard text.utf8.count <= 5, let ms = Int(text), (0...10_000).contains(ms) else {
            throw RPCError(code: .invalidArgument, message: "sms-ack-every-ms must be 0 to 10000 (milliseconds)")
        }
        return .milliseconds(ms)
    }

    /// The machine the call's metadata proves it is: `sms-machine` plus a matching `authorization: Bearer` token.
    func authenticate(_ metadata: Metadata) throws(RPCError) -> (machine: String, token: String) {
        guard let machine = metadata[stringValues: "sms-machine"].first(where: { _ in true }), !machine.isEmpty else {
            throw RPCError(code: .unauthenticated, message: "missing sms-machine metadata")
        }
        let header = metadata[stringValues: "authorization"].first(where: { _ in true }) ?? ""
        let presented = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : ""
        // One answer for an unknown machine, a machine without a token and a wrong token, so a caller cannot
        // enumerate machine ids; the hub's log says which it was.
        let refusal = RPCError(code: .unauthenticated, message: "wrong or missing token for machine \"\(machine.prefix(64))\"")
        switch tokens(machine) {
        case .unknownMachine:
            logger.notice("collector refused: unknown machine; add it to the spec", metadata: ["machine": "\(machine.prefix(64))"])
            throw refusal
        case .noTokenYet:
            logger.notice("collector refused: the machine has no token yet; run smsctl apply", metadata: ["machine": "\(machine)"])
            throw refusal
        case .token(let expected):
            guard !presented.isEmpty, ConstantTime.equal(presented, expected) else { throw refusal }
        }
        return (machine, presented)
    }
}

/// Open streams, shared by every copy of the service value.
final class StreamCounter: Sendable {
    let value = Atomic<Int>(0)
}
