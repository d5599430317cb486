import SMSCore
import Foundation
import Logging

/// One notification waiting to go out to one channel.
struct Delivery: Sendable {
    var id: UInt64
    /// The request as the channel was when queued (it holds the channel's secrets: never logged).
    var request: ChannelRequest
    /// Wall-clock seconds when it was queued (for the maximum age).
    var queuedAt: Double
    /// For logs: `cpu_high@mcrn firing`; never header values.
    var label: String
    /// Its file in the outbox, deleted once it is delivered or dropped (nil: kept in memory only).
    var outboxID: UInt64?
}

/// A bounded, ordered queue of deliveries for one channel, drained by one task with exponential backoff.
///
/// Only the head is attempted: while a receiver fails, later notifications wait behind it, so a receiver that
/// recovers gets them in order (firing before resolved). When full, the oldest is dropped and counted.
actor DeliveryQueue {
    let channel: String
    let capacity: Int
    let outbox: Outbox?
    private var items: [Delivery] = []
    private var nextID: UInt64 = 0
    private var lastDeliveredMs: Int64?
    private var lastError: (text: String, atMs: Int64)?
    private let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation

    init(channel: String, capacity: Int, outbox: Outbox? = nil) {
        self.channel = channel
        self.capacity = max(1, capacity)
        self.outbox = outbox
        (doorbell, ring) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a delivery (`queuedAt` defaults to now; an outbox file restored keeps its own); returns the number
    /// dropped to make room (0 or 1).
    func push(
        _ request: ChannelRequest, label: String, outboxID: UInt64? = nil, queuedAt: Double = Date().timeIntervalSince1970
    ) -> Int {
        nextID += 1
        var dropped = 0
        if items.count >= capacity {
            let oldest = items.removeFirst()
            if let id = oldest.outboxID { outbox?.remove(id) }
            dropped = 1
        }
        items.append(
            Delivery(id: nextID, request: request, queuedAt: queuedAt, label: label, outboxID: outboxID))
        ring.yield()
        return dropped
    }

    var count: Int { items.count }

    /// Delivers queued items until cancelled, retrying the head with exponential backoff.
    func drain(transports: ChannelTransports, options: Notifier.Options, metrics: AlertsMetrics, logger: Logger) async
    {
        var failures = 0
        for await _ in doorbell {
            while let head = items.first, !Task.isCancelled {
                if Date().timeIntervalSince1970 - head.queuedAt > Notifier.Options.seconds(options.maxAge) {
                    remove(head.id)
                    metrics.dropped.increment()
                    logger.warning(
                        "alert notification dropped: too old",
                        metadata: [
                            "channel": "\(channel)", "alert": "\(head.label)",
                        ])
                    continue
                }
                do {
                    if let note = try await transports.deliver(head.request, timeout: options.timeout) {
                        logger.warning(
                            "alert notification delivered in part",
                            metadata: ["channel": "\(channel)", "alert": "\(head.label)", "refused": "\(note)"])
                    }
                    remove(head.id)
                    failures = 0
                    delivered()
                    metrics.sent.increment()
                } catch {
                    failures += 1
                    // One line naming the cause; the channel is named beside it.
                    let cause = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
                    lastError = (cause, Int64(Date().timeIntervalSince1970 * 1000))
                    metrics.failedAttempts.increment()
                    let delay = options.backoff(afterFailures: failures)
                    logger.warning(
                        "alert notification failed; retrying",
                        metadata: [
                            "channel": "\(channel)", "alert": "\(head.label)", "error": "\(cause)",
                            "attempt": "\(failures)", "retry_in": "\(delay)", "queued": "\(items.count)",
                        ])
                    do { try await Task.sleep(for: delay) } catch { return }
                }
            }
            if Task.isCancelled { return }
        }
    }

    /// On shutdown: one attempt per queued delivery, in order, stopping at the first failure.
    func sendRemaining(transports: ChannelTransports, timeout: Duration, metrics: AlertsMetrics) async {
        while let head = items.first, !Task.isCancelled {
            guard (try? await transports.deliver(head.request, timeout: timeout)) != nil else { return }
            remove(head.id)
            delivered()
            metrics.sent.increment()
        }
    }

    /// How this channel is delivering, for `status` and `/api/alerts`.
    var status: NotificationChannelStatus {
        NotificationChannelStatus(
            name: channel, queued: items.count, lastDeliveredMs: lastDeliveredMs, lastError: lastError?.text,
            lastErrorMs: lastError?.atMs)
    }

    private func delivered() {
        lastDeliveredMs = Int64(Date().timeIntervalSince1970 * 1000)
        lastError = nil
    }

    /// Delivered or dropped: out of the queue and out of the outbox.
    private func remove(_ id: UInt64) {
        for item in items where item.id == id { if let file = item.outboxID { outbox?.remove(file) } }
        items.removeAll { $0.id == id }
    }
}
