import NIOCore
import Controller
import SMSCore
import Services
import TestSupport
import Testing

/// Live events between processes over Redis pub/sub.
@Suite("Redis.EventBus", .timeLimit(.minutes(1)))
struct RedisEventBusTests {
    @Test("batch and connection events published by one client arrive exactly at another client's subscribers")
    func roundTripBetweenClients() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(url: redis.url) { publisherClient in
            try await withRedisClient(url: redis.url) { subscriberClient in
                let publisher = RedisEventBus(client: publisherClient, namespace: "t", logger: testLogger)
                let subscriber = RedisEventBus(client: subscriberClient, namespace: "t", logger: testLogger)
                let first = Collected(subscriber.subscribe(bufferSize: 100))
                let second = Collected(subscriber.subscribe(bufferSize: 100))
                #expect(await waitForSubscribers(publisherClient, "sms:t:events"))
                let events: [LiveEvent] = [
                    .connection(machine: "rocinante", connected: true, atMs: 1_700_000_000_000),
                    .batch(LiveEventFixtures.batch()),
                    .connection(machine: "rocinante", connected: false, atMs: 1_700_000_009_999),
                ]
                for event in events { await publisher.publish(event) }
                #expect(await first.wait(for: 3))
                #expect(await second.wait(for: 3))
                for received in [first.all, second.all] {
                    #expect(received.count == 3)
                    #expect(zip(received, events).allSatisfy(LiveEventFixtures.identical))
                }
                #expect(subscriber.subscriberCount == 2)
            }
        }
    }

    @Test("undecodable messages on the channel are skipped and counted")
    func undecodable() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(url: redis.url) { client in
            let bus = RedisEventBus(client: client, namespace: "t", logger: testLogger)
            let received = Collected(bus.subscribe(bufferSize: 10))
            #expect(await waitForSubscribers(client, "sms:t:events"))
            try await client.publish(channel: "sms:t:events", payload: ByteBuffer(string: "not an event"))
            await bus.publish(.connection(machine: "m", connected: true, atMs: 1))
            #expect(await received.wait(for: 1))
            #expect(bus.undecodableMessages == 1)
            #expect(received.all.count == 1)
        }
    }

    @Test("subscribers keep receiving after Redis restarts")
    func resubscribeAfterRestart() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(url: redis.url) { client in
            let bus = RedisEventBus(client: client, namespace: "t", logger: testLogger)
            let received = Collected(bus.subscribe(bufferSize: 10))
            #expect(await waitForSubscribers(client, "sms:t:events"))
            try await redis.stop()
            try await redis.start()
            #expect(await waitForSubscribers(client, "sms:t:events"))
            await bus.publish(.connection(machine: "m", connected: true, atMs: 2))
            #expect(await received.wait(for: 1))
        }
    }
}

/// Raw pub/sub on the client.
@Suite("Redis.PubSub", .timeLimit(.minutes(1)))
struct RedisPubSubTests {
    @Test("subscribers get binary payloads on their channels only, and again after a server restart")
    func deliveryAndResubscription() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(url: redis.url) { client in
            let news = Collected(client.subscribe(["news", "alerts"]))
            let other = Collected(client.subscribe(["other"]))
            #expect(await waitForSubscribers(client, "news"))
            #expect(await waitForSubscribers(client, "other"))
            let payload = ByteBuffer(bytes: [0, 13, 10, 255, 42])
            #expect(try await client.publish(channel: "news", payload: payload) == 1)
            client.enqueuePublish(channel: "alerts", payload: ByteBuffer(string: "fire"))
            #expect(await news.wait(for: 2))
            #expect(
                news.all == [
                    RedisMessage(channel: "news", payload: payload),
                    RedisMessage(channel: "alerts", payload: ByteBuffer(string: "fire")),
                ])
            #expect(other.all.isEmpty)

            try await redis.stop()
            try await redis.start()
            #expect(await waitForSubscribers(client, "news"))
            try await client.publish(channel: "news", payload: ByteBuffer(string: "after restart"))
            #expect(await news.wait(for: 3))
            #expect(news.all.last == RedisMessage(channel: "news", payload: ByteBuffer(string: "after restart")))
        }
    }

    @Test("a finished subscription unsubscribes its channels")
    func unsubscribe() async throws {
        let redis = try await RedisServer.launch()
        try await withRedisClient(url: redis.url) { client in
            var stream: AsyncStream<RedisMessage>? = client.subscribe(["temporary"])
            #expect(await waitForSubscribers(client, "temporary"))
            _ = stream
            stream = nil
            #expect(
                await waitUntil(timeout: .seconds(5)) {
                    try await client.send(["PUBSUB", "NUMSUB", "temporary"]).array?.last == .integer(0)
                })
        }
    }

    @Test("subscription streams end when the client shuts down")
    func endsAtShutdown() async throws {
        let redis = try await RedisServer.launch()
        let client = try RedisClient(url: redis.url, logger: testLogger)
        let stream = client.subscribe(["x"])
        try await withRunning(client) { #expect(await waitForSubscribers(client, "x")) }
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == nil)
    }
}
