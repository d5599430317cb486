import Foundation
import Spec
import TestSupport
import Testing

@testable import Services

/// The chat and incident formats, as their services receive them: a firing alert and its resolution go through the
/// alerts service's real transports to `tests/lib/http_receiver.py`, which checks each payload against the service's
/// published JSON shape (`tests/lib/channel-schemas/`) and answers 400 when one does not fit.
@Suite struct ChannelFormatTests {
    static let discordToken = "discord-token-\(UUID().uuidString.prefix(8))"
    static let teamsSignature = "teams-sig-\(UUID().uuidString.prefix(8))"
    static let botToken = "123456:tg-\(UUID().uuidString.prefix(8))"
    /// PagerDuty integration keys are 32 characters.
    static let routingKey = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(32))
    static let ntfyToken = "tk_\(UUID().uuidString.prefix(8))"

    static func secret(_ value: String) -> NotifySetting {
        .secret(Secret(source: .env("SMS_TEST_SECRET"), value: value))
    }

    /// One channel of each kind, all at the receiver.
    static func channels(_ base: String) -> [NotifyChannel] {
        [
            NotifyChannel(
                name: "chat", format: .discord,
                settings: ["url": secret("\(base)/discord/api/webhooks/42/\(discordToken)")]),
            NotifyChannel(
                name: "teams", format: .teams, settings: ["url": secret("\(base)/teams/workflows/\(teamsSignature)")]),
            NotifyChannel(
                name: "phone", format: .ntfy,
                settings: ["url": .text("\(base)/ntfy/sms-alerts"), "token": secret(ntfyToken)]),
            NotifyChannel(
                name: "tg", format: .telegram,
                settings: [
                    "bot_token": secret(botToken), "chat_id": .text("-1001234567890"), "api": .text("\(base)/telegram"),
                ]),
            NotifyChannel(
                name: "pager", format: .pagerduty,
                settings: ["routing_key": secret(routingKey), "url": .text("\(base)/pagerduty/v2/enqueue")]),
        ]
    }

    @Test(
        "Discord, Teams, ntfy, Telegram and PagerDuty each get a firing and its resolution in the shape the service documents; PagerDuty's resolve names the trigger's dedup_key"
    )
    func eachServiceGetsItsOwnShape() async throws {
        let receiver = try await ChannelReceiver.launch()
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-channels-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dataDir) }
        let spec = AlertsFixture.spec(
            [AlertsFixture.cpuRule(for: .seconds(0))], notify: Self.channels(receiver.base))
        let box = SpecBox(spec, hash: spec.hash)
        let clock = ManualAlertClock()
        let service = AlertsServiceTests.make(box, bus: LocalEventBus(), dataDir: dataDir, clock: clock)
        try await AlertsServiceTests.running(service) {
            await service.process(AlertsFixture.cpu(97, machine: "mcrn", at: clock.nowMs()))
            clock.advance(seconds: 65)
            await service.process(AlertsFixture.cpu(10, machine: "mcrn", at: clock.nowMs()))
            #expect(
                await eventually(timeout: .seconds(30)) { receiver.requests.count >= 10 },
                "\(receiver.requests.map(\.path)) \(receiver.peer.log.suffix(2000))")
            try await Task.sleep(for: .milliseconds(300))  // a window for a duplicate, which must not come
        }
        let requests = receiver.requests
        for request in requests {
            #expect(
                request.errors.isEmpty,
                "\(request.service) payload does not fit its schema: \(request.errors) in \(request.body)")
        }
        #expect(
            Dictionary(grouping: requests, by: \.service).mapValues(\.count) == [
                "discord": 2, "teams": 2, "ntfy": 2, "telegram": 2, "pagerduty": 2,
            ])
        let link = "https://localhost:8080/#/machine/mcrn"

        let discord = receiver.requests(to: "discord")
        #expect(discord.allSatisfy { $0.path == "/discord/api/webhooks/42/\(Self.discordToken)" })
        let embed = (discord.first?.body["embeds"] as? [[String: Any]])?.first ?? [:]
        #expect(
            embed["url"] as? String == link && (embed["title"] as? String)?.contains("cpu_high on mcrn") == true,
            "\(embed)")
        let fields = (embed["fields"] as? [[String: Any]] ?? []).map { "\($0["name"] ?? ""): \($0["value"] ?? "")" }
        #expect(
            fields.contains("Machine: mcrn") && fields.contains("Value: 97") && fields.contains("Threshold: ≥ 95"),
            "\(fields)")
        #expect((discord.last?.body["content"] as? String)?.contains("RESOLVED") == true)

        let teams = receiver.requests(to: "teams")
        let card = ((teams.first?.body["attachments"] as? [[String: Any]])?.first?["content"] as? [String: Any]) ?? [:]
        let action = (card["actions"] as? [[String: Any]])?.first
        #expect(card["type"] as? String == "AdaptiveCard" && action?["url"] as? String == link, "\(card)")

        let ntfy = receiver.requests(to: "ntfy")
        #expect(ntfy.allSatisfy { $0.path == "/ntfy/" && $0.body["topic"] as? String == "sms-alerts" })
        #expect(ntfy.allSatisfy { $0.headers["authorization"] == "Bearer \(Self.ntfyToken)" })
        #expect(ntfy.map { $0.body["priority"] as? Int } == [5, 3] && ntfy.first?.body["click"] as? String == link)

        let telegram = receiver.requests(to: "telegram")
        #expect(telegram.allSatisfy { $0.path == "/telegram/bot\(Self.botToken)/sendMessage" })
        #expect(telegram.allSatisfy { ($0.body["chat_id"] as? NSNumber)?.int64Value == -1_001_234_567_890 })
        #expect((telegram.first?.body["text"] as? String)?.contains(link) == true)

        let pager = receiver.requests(to: "pagerduty")
        #expect(pager.map { $0.body["event_action"] as? String } == ["trigger", "resolve"])
        #expect(pager.allSatisfy { $0.body["routing_key"] as? String == Self.routingKey })
        let keys = pager.compactMap { $0.body["dedup_key"] as? String }
        #expect(keys.count == 2 && keys[0] == keys[1] && keys[0].hasPrefix("sms/home/cpu_high/mcrn"), "\(keys)")
        let payload = pager.first?.body["payload"] as? [String: Any] ?? [:]
        #expect(payload["source"] as? String == "mcrn" && payload["severity"] as? String == "critical", "\(payload)")
    }

    @Test("the stand-in refuses what each service refuses: the schemas are the services' rules, not a formality")
    func theReceiverRefusesPayloadsThatDoNotFit() async throws {
        let receiver = try await ChannelReceiver.launch()
        let bad: [(String, [String: Any])] = [
            ("/discord/api/webhooks/1/x", ["embeds": [["color": "red", "fields": [["name": "machine"]]]]]),
            (
                "/teams/workflows/x",
                ["type": "message", "attachments": [["contentType": "text/plain", "content": [:]]]]
            ),
            ("/ntfy/", ["title": "no topic", "priority": 9]),
            ("/telegram/bot1:x/sendMessage", ["chat_id": "ops room", "text": ""]),
            ("/pagerduty/v2/enqueue", ["routing_key": "short", "event_action": "trigger"]),
            ("/pagerduty/v2/enqueue", ["routing_key": Self.routingKey, "event_action": "resolve"]),
        ]
        for (path, body) in bad {
            let data = try JSONSerialization.data(withJSONObject: body)
            let response = try await offPool {
                try RawHTTP.request(
                    "POST", port: receiver.port, path, headers: ["Content-Type": "application/json"], body: data)
            }
            #expect(response.status == 400, "\(path) accepted \(body)")
        }
        #expect(receiver.requests.count == bad.count && receiver.requests.allSatisfy { !$0.errors.isEmpty })
    }

    @Test("what the outbox stores for each format holds no secret and no channel address; what is sent has them")
    func storedMessagesHoldNoSecret() throws {
        let base = "https://hooks.example.com"
        let instance = AlertsPayloadTests.firing(series: "cpu.usage_percent")
        let notification = AlertNotification(
            kind: .firing, atMs: 1_000_000, instance: instance, direction: .above, isAbsence: false, specName: "home",
            timeZone: AlertsFixture.utc, dashboardURL: "https://sms.lan:8080")
        for channel in Self.channels(base) {
            let format = ChannelRegistry.format(channel.format)
            let stored = String(decoding: try format.render(notification), as: UTF8.self)
            for (_, secret) in channel.secrets {
                #expect(!stored.contains(secret.value ?? "?"), "\(channel.format): \(stored)")
            }
            #expect(!stored.contains(base) && !stored.contains("-1001234567890"), "\(channel.format): \(stored)")
            // What goes on the wire does carry them.
            guard case .http(let url, let headers, let body) = try format.request(Data(stored.utf8), channel: channel)
            else {
                Issue.record("\(channel.format) is not sent over HTTP")
                continue
            }
            let wire = url.absoluteString + "\(headers)" + String(decoding: body, as: UTF8.self)
            for (_, secret) in channel.secrets {
                #expect(wire.contains(secret.value ?? "?"), "\(channel.format): \(wire)")
            }
        }
        // Email: the stored message has neither the password nor the addresses; the submission has all of them.
        let mail = NotifyChannel(
            name: "mail", format: .email,
            settings: [
                "server": .text("smtp.example.com"), "username": .text("alerts@example.com"),
                "password": Self.secret("smtp-password-do-not-store"), "from": .text("sms <alerts@example.com>"),
                "to": .list(["ops@example.com"]),
            ])
        let stored = try EmailChannel.render(notification)
        let text = String(decoding: stored, as: UTF8.self)
        #expect(!text.contains("smtp-password-do-not-store") && !text.contains("@example.com"), "\(text)")
        guard case .mail(let submission) = try EmailChannel.request(stored, channel: mail) else {
            Issue.record("email is not sent over SMTP")
            return
        }
        #expect(submission.password == "smtp-password-do-not-store" && submission.port == 587)
        #expect(submission.security == .starttls && submission.to == ["ops@example.com"])
        let head = String(decoding: submission.message.prefix(200), as: UTF8.self)
        #expect(head.hasPrefix("From: sms <alerts@example.com>\r\nTo: ops@example.com\r\nSubject: [sms home] FIRING (warning): cpu_high on mcrn\r\n"), "\(head)")
    }
}
