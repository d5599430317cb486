import Foundation
import Spec

/// Discord's "Execute Webhook": one embed with the facts, colored by severity, linking the machine's page.
/// The webhook URL carries its token: a secret, added when sending.
enum DiscordChannel: ChannelFormat {
    struct Message: Codable {
        var username = "sms"
        var content: String
        var embeds: [Embed]
        /// No @everyone or role pings from alert text.
        var allowed_mentions = Mentions()
    }
    struct Mentions: Codable { var parse: [String] = [] }
    struct Embed: Codable {
        var title: String
        var description: String
        var url: String?
        var color: Int
        var timestamp: String
        var fields: [Field]
        var footer: Footer
    }
    struct Field: Codable {
        var name: String
        var value: String
        var inline: Bool
    }
    struct Footer: Codable { var text: String }

    static func render(_ notification: AlertNotification) throws -> Data {
        let facts = AlertFacts(notification)
        let embed = Embed(
            title: AlertFacts.clip(facts.title, 256), description: AlertFacts.clip(facts.summary, 4096),
            url: facts.link,
            color: facts.color, timestamp: WebhookPayload.iso8601(notification.atMs),
            fields: facts.facts.prefix(25).map {
                Field(name: AlertFacts.clip($0.name, 256), value: AlertFacts.clip($0.value, 1024), inline: $0.short)
            },
            footer: Footer(text: "sms · \(notification.specName)"))
        return try encode(Message(content: AlertFacts.clip(facts.title, 2000), embeds: [embed]))
    }

    static func request(_ message: Data, channel: NotifyChannel) throws -> ChannelRequest {
        jsonPost(try url(channel.secret("url"), channel, field: "url"), message)
    }
}
