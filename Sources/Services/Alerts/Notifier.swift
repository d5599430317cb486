import SMSCore
import Foundation
import Logging
import Spec
import Synchronization

/// Where the alert engine hands notifications it decided to send.
public protocol NotificationSink: Sendable {
    /// Sends (or queues) `notification` to `channels`; the log always gets it too.
    func send(_ notification: AlertNotification, to channels: [NotifyChannel]) async
}

/// Logs every notification and queues one delivery per channel (in the channel's format, see `ChannelRegistry`),
/// retried with exponential backoff.
///
/// Each channel has its own bounded queue and drain task (started by `run`), so a slow or failing receiver
/// never delays another. Secrets (header values, passwords, tokens, URLs that carry one) go on the request and
/// nowhere else: the outbox keeps only what the format rendered without them.
public final class Notifier: NotificationSink {
    /// Timeouts, queue bound and retry pacing.
    public struct Options: Sendable {
        public var timeout: Duration
        /// Deliveries kept per channel; when full, the oldest is dropped and counted.
        public var capacity: Int
        public var initialBackoff: Duration
        public var maxBackoff: Duration
        /// A delivery still failing after this long is dropped.
        public var maxAge: Duration

        public init(
            timeout: Duration = .seconds(10), capacity: Int = 1000, initialBackoff: Duration = .seconds(1),
            maxBackoff: Duration = .seconds(300), maxAge: Duration = .seconds(86_400)
        ) {
            self.timeout = timeout
            self.capacity = capacity
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.maxAge = maxAge
        }

        /// initial × 2^(failures − 1), at most `maxBackoff`.
        public func backoff(afterFailures failures: Int) -> Duration {
            let factor = Double(1 << min(max(failures - 1, 0), 30))
            return min(initialBackoff * factor, maxBackoff)
        }

        /// A duration in (fractional) seconds.
        static func seconds(_ d: Duration) -> Double {
            Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
    }

    let transports: ChannelTransports
    let options: Options
    let metrics: AlertsMetrics
    let logger: Logger
    /// Where deliveries wait durably until accepted (nil: in memory only).
    let outbox: Outbox?
    private let queues = Mutex<[String: DeliveryQueue]>([:])
    private let newQueues: AsyncStream<DeliveryQueue>
    private let announce: AsyncStream<DeliveryQueue>.Continuation

    public init(
        transport: any WebhookTransport = URLSessionWebhookTransport(), mail: any MailTransport = SMTPMailTransport(),
        options: Options = Options(), metrics: AlertsMetrics = AlertsMetrics(), outbox: Outbox? = nil, logger: Logger
    ) {
        self.outbox = outbox
        self.transports = ChannelTransports(webhook: transport, mail: mail)
        self.options = options
        self.metrics = metrics
        self.logger = logger
        (newQueues, announce) = AsyncStream<DeliveryQueue>.makeStream()
    }

    public func send(_ notification: AlertNotification, to channels: [NotifyChannel]) async {
        let instance = notification.instance
        let level: Logger.Level = notification.kind == .resolved ? .info : .notice
        logger.log(
            level: level, "alert notification",
            metadata: [
                "kind": "\(notification.kind.rawValue)", "rule": "\(instance.key.rule)",
                "machine": "\(instance.key.machine)", "severity": "\(instance.severity.rawValue)",
                "summary": "\(notification.summary)", "channels": "\(channels.map(\.name))",
            ])
        for channel in channels {
            let body: Data
            do {
                body = try ChannelRegistry.format(channel.format).render(notification)
            } catch {
                logger.error("cannot encode alert notification", metadata: ["error": "\(error)"])
                continue
            }
            let label = "\(instance.key) \(notification.kind.rawValue)"
            let entry = Outbox.Entry(
                channel: channel.name, label: label, queuedAt: Date().timeIntervalSince1970, body: body,
                format: channel.format.rawValue)
            var outboxID: UInt64?
            do {
                outboxID = try outbox?.store(entry)
            } catch {
                logger.error("alert notification kept in memory only: it would not survive a restart", metadata: [
                    "channel": "\(channel.name)", "error": "\(error)",
                ])
            }
            await enqueue(entry, outboxID: outboxID, to: channel)
        }
    }

    /// Queues the outbox's deliveries left by an earlier run (a stop, a crash), to the channels of the spec in
    /// force; one whose channel is no longer declared is dropped and said.
    public func restore(channels: [NotifyChannel]) async {
        guard let outbox else { return }
        let (entries, unreadable) = outbox.pending()
        for name in unreadable {
            logger.error("unreadable alert notification in the outbox left aside", metadata: ["file": "\(name)"])
        }
        guard !entries.isEmpty else { return }
        var restored = 0
        for (id, entry) in entries {
            guard let channel = channels.first(where: { $0.name == entry.channel }) else {
                outbox.remove(id)
                logger.warning("queued alert notification dropped: its channel is no longer in the spec", metadata: [
                    "channel": "\(entry.channel)", "alert": "\(entry.label)",
                ])
                continue
            }
            // A channel that changed its kind (webhook to email) would get a body it cannot read.
            if (entry.format ?? "json") != channel.format.rawValue, !(entry.format == nil && channel.format.isWebhook) {
                outbox.remove(id)
                logger.warning("queued alert notification dropped: its channel changed format", metadata: [
                    "channel": "\(entry.channel)", "alert": "\(entry.label)", "was": "\(entry.format ?? "json")",
                    "now": "\(channel.format.rawValue)",
                ])
                continue
            }
            await enqueue(entry, outboxID: id, to: channel)
            restored += 1
        }
        logger.notice("alert notifications from before the restart queued again", metadata: ["count": "\(restored)"])
    }

    /// One delivery of `entry` to `channel` as the spec has it now (addresses and secrets are never stored).
    private func enqueue(_ entry: Outbox.Entry, outboxID: UInt64?, to channel: NotifyChannel) async {
        let request: ChannelRequest
        do {
            request = try ChannelRegistry.format(channel.format).request(entry.body, channel: channel)
        } catch {
            logger.error("alert notification dropped: its channel cannot be sent to", metadata: [
                "channel": "\(channel.name)", "error": "\(error)",
            ])
            if let outboxID { outbox?.remove(outboxID) }
            return
        }
        let dropped = await queue(for: channel, destination: request.destination).push(
            request, label: entry.label, outboxID: outboxID, queuedAt: entry.queuedAt)
        if dropped > 0 {
            metrics.dropped.increment(by: Int64(dropped))
            logger.warning(
                "alert notification queue full; oldest dropped",
                metadata: ["channel": "\(channel.name)", "capacity": "\(options.capacity)"])
        }
    }

    /// Drains every channel's queue until cancelled (queues of channels first used later join as they appear).
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await queue in newQueues {
                group.addTask { [transports, options, metrics, logger] in
                    await queue.drain(transports: transports, options: options, metrics: metrics, logger: logger)
                }
            }
        }
    }

    /// Gives what is still queued one more attempt each, all within `deadline` (graceful shutdown).
    public func sendRemaining(within deadline: Duration) async {
        let queues = queues.withLock { Array($0.values) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [transports, metrics] in
                await withDiscardingTaskGroup { channels in
                    for queue in queues {
                        channels.addTask {
                            await queue.sendRemaining(transports: transports, timeout: deadline, metrics: metrics)
                        }
                    }
                }
            }
            group.addTask { try? await Task.sleep(for: deadline) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Each channel of `declared` (and any other with deliveries queued), with its delivery state.
    public func channelStatus(declared: [String]) async -> [NotificationChannelStatus] {
        var byName: [String: NotificationChannelStatus] = [:]
        for name in declared { byName[name] = NotificationChannelStatus(name: name, queued: 0) }
        for queue in queues.withLock({ Array($0.values) }) {
            let status = await queue.status
            guard var merged = byName[status.name] else {
                if status.queued > 0 { byName[status.name] = status }
                continue
            }
            // A channel whose URL changed has had two queues: their counts add up, the latest events win.
            merged.queued += status.queued
            if (status.lastDeliveredMs ?? .min) > (merged.lastDeliveredMs ?? .min) { merged.lastDeliveredMs = status.lastDeliveredMs }
            if (status.lastErrorMs ?? .min) > (merged.lastErrorMs ?? .min) {
                (merged.lastError, merged.lastErrorMs) = (status.lastError, status.lastErrorMs)
            }
            byName[status.name] = merged
        }
        return byName.values.sorted { $0.name < $1.name }
    }

    /// Deliveries not yet accepted, over all channels.
    public func backlog() async -> Int {
        var total = 0
        for queue in queues.withLock({ Array($0.values) }) { total += await queue.count }
        return total
    }

    /// The queue of `channel` (by name and destination, so a reload that moves the channel starts a fresh queue).
    private func queue(for channel: NotifyChannel, destination: String) -> DeliveryQueue {
        let id = "\(channel.name) \(destination)"
        let (queue, isNew) = queues.withLock { queues -> (DeliveryQueue, Bool) in
            if let existing = queues[id] { return (existing, false) }
            let created = DeliveryQueue(channel: channel.name, capacity: options.capacity, outbox: outbox)
            queues[id] = created
            return (created, true)
        }
        if isNew { announce.yield(queue) }
        return queue
    }
}
