import SMSCore
import Foundation
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import Spec

/// Pushes one spec edge's redacted view to it over an authenticated WebSocket, reconnecting with backoff.
///
/// It runs beside the dashboard but shares nothing that could block it: it reads current state once per second,
/// and its own mailbox keeps only the latest message per machine, so a slow or absent edge loses intermediate
/// states instead of queueing them.
public final class EdgePusher: Service {
    public let edgeName: String
    let context: GatewayContext
    let fleet: FleetView
    let recent: RecentFiguresBook
    let period: Duration
    let logger: Logger

    init(edgeName: String, context: GatewayContext, recent: RecentFiguresBook, period: Duration = .seconds(1)) {
        self.edgeName = edgeName
        self.context = context
        self.fleet = FleetView(context: context)
        self.recent = recent
        self.period = period
        var logger = context.logger
        logger[metadataKey: "edge"] = "\(edgeName)"
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var attempt = 0
            while !Task.isCancelled {
                guard let edge = self.context.spec.current().spec.edges.first(where: { $0.name == self.edgeName }),
                    let token = edge.token.value, !token.isEmpty
                else {
                    self.logger.warning("edge has no token; set it in the spec's environment to start pushing")
                    try? await Task.sleep(for: .seconds(30))
                    continue
                }
                do {
                    try await self.session(edge: edge, token: token)
                    attempt = 0
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.warning("edge push failed", metadata: ["url": "\(edge.url)", "error": "\(Self.describe(error, edge))"])
                }
                attempt += 1
                let seconds = min(30, 1 << min(attempt, 5))
                try? await Task.sleep(for: .milliseconds(Int64(seconds) * 1000 * Int64.random(in: 75...125) / 100))
            }
        }
    }

    /// The push endpoint: the edge's URL with its path replaced by `/push` when it names `/ws` or nothing.
    static func pushURL(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return url }
        if parts.path.isEmpty || parts.path == "/" || parts.path.hasSuffix("/ws") {
            parts.path = String(parts.path.dropLast(parts.path.hasSuffix("/ws") ? 3 : 0))
            parts.path = (parts.path.hasSuffix("/") ? String(parts.path.dropLast()) : parts.path) + "/push"
        }
        return parts.string ?? url
    }

    /// What failed, in words a person can act on (a TLS verification failure says what to set).
    static func describe(_ error: any Error, _ edge: Edge) -> String {
        let text = "\(error)"
        guard text.contains("CERTIFICATE_VERIFY_FAILED") else { return text }
        return edge.ca == nil
            ? "the edge's certificate is not trusted (not from a public CA): set edges[].ca to the CA it comes from"
            : "the edge's certificate does not verify against edges[].ca (\(edge.ca ?? "")) for its host name"
    }

    /// One connection: a snapshot, then an update per period, until the edge goes away or the spec changes it.
    func session(edge: Edge, token: String) async throws {
        let nonce = PushSignature.randomNonce()
        let outcome = try await SocketDialer.dial(
            url: Self.pushURL(edge.url),
            headers: [("Authorization", PushSignature.header(token: token, nowMs: FleetView.nowMs(), nonce: nonce))],
            caFile: edge.ca)
        guard case .upgraded(let channel) = outcome else {
            throw SocketDialer.DialError(
                description: "edge refused the push (wrong token, clocks more than a minute apart, or another gateway pushing)")
        }
        let key = PushSignature.sessionKey(token: token, nonce: nonce)
        logger.info("pushing to edge", metadata: ["url": "\(edge.url)"])
        let redactor = EdgeRedactor(edge)
        let mailbox = LiveClient(id: 0, maxPendingBytes: 64 << 20)
        mailbox.offerSnapshot(try await snapshot(redactor))
        try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var reader = SocketReader(iterator: inbound.makeAsyncIterator(), outbound: outbound)
                    while let message = try await reader.next() {
                        if case .close = message { return }
                    }
                }
                group.addTask { try await self.produce(into: mailbox, redactor: redactor, edge: edge) }
                group.addTask {
                    var counter: UInt64 = 0
                    for await _ in mailbox.wakes {
                        guard let out = mailbox.take(serverTimeMs: FleetView.nowMs()) else { continue }
                        for message in [out.snapshot, out.update].compactMap({ $0 }) {
                            counter += 1
                            let sealed = PushSignature.seal(message, counter: counter, key: key)
                            for frame in SocketDialer.textFrames(sealed) { try await outbound.write(frame) }
                        }
                    }
                }
                try await group.next()
                group.cancelAll()
            }
            try? await outbound.write(SocketDialer.closeFrame(.goingAway))
        }
    }

    /// Every period: the edge's machines (redacted) and details; a fresh snapshot after a spec reload.
    private func produce(into mailbox: LiveClient, redactor: EdgeRedactor, edge: Edge) async throws {
        var hash = context.spec.current().hash
        var lastAlerts: [AlertStatusDTO] = []
        while !Task.isCancelled {
            try await Task.sleep(for: period)
            let version = context.spec.current()
            if version.hash != hash {
                hash = version.hash
                guard let now = version.spec.edges.first(where: { $0.name == edgeName }), now == edge else {
                    return  // the edge changed or left the spec: reconnect with the new settings
                }
                mailbox.offerSnapshot(try await snapshot(redactor))
                continue
            }
            var summaries: [String: [UInt8]] = [:]
            var details: [String: [UInt8]] = [:]
            for id in redactor.machines {
                guard let detail = try await fleet.detail(id, includeSeries: false),
                    let open = redactor.detail(detail)
                else { continue }
                summaries[id] = try LiveMessage.encode(open.machine)
                details[id] = try LiveMessage.encode(open)
            }
            let alerts = (await context.alerts?.active() ?? []).compactMap(redactor.alert)
            let alertBytes = alerts != lastAlerts ? try LiveMessage.encode(alerts) : nil
            lastAlerts = alerts
            mailbox.setSubscribedAll(Set(details.keys))
            mailbox.offer(summaries: summaries, details: details, alerts: alertBytes)
        }
    }

    /// The redacted snapshot: visible machines, their alerts and recent figures; no spec hash.
    func snapshot(_ redactor: EdgeRedactor) async throws -> [UInt8] {
        let (version, machines) = try await fleet.summaries()
        let alerts = (await context.alerts?.active() ?? []).compactMap(redactor.alert)
        let recent = self.recent.all().filter { redactor.allows(machine: $0.key) }.mapValues(redactor.recent)
        return try LiveMessage.encode(
            LiveMessage.Snapshot(
                serverTimeMs: FleetView.nowMs(), spec: version.spec.name, specHash: "", readOnly: true,
                flushIntervalMs: 1000, machines: machines.compactMap(redactor.summary), alerts: alerts,
                recent: recent))
    }
}
