import Foundation
import Spec

/// Microsoft Teams through a Workflows webhook: a message with one Adaptive Card (title, summary, a fact set
/// and a button to the machine's page). The webhook URL carries its signature: a secret, added when sending.
enum TeamsChannel: ChannelFormat {
    struct Message: Codable {
        var type = "message"
        var attachments: [Attachment]
    }
    struct Attachment: Codable {
        var contentType = "application/vnd.microsoft.card.adaptive"
        var content: Card
    }
    struct Card: Codable {
        var schema = "http://adaptivecards.io/schemas/adaptive-card.json"
        var type = "AdaptiveCard"
        var version = "1.4"
        var body: [Element]
        var actions: [Action]?
        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case type, version, body, actions
        }
    }
    /// A `TextBlock` (text) or a `FactSet` (facts).
    struct Element: Codable {
        var type: String
        var text: String?
        var weight: String?
        var size: String?
        var color: String?
        var wrap: Bool?
        var facts: [Fact]?
    }
    struct Fact: Codable {
        var title: String
        var value: String
    }
    struct Action: Codable {
        var type = "Action.OpenUrl"
        var title: String
        var url: String
    }

    static func render(_ notification: AlertNotification) throws -> Data {
        let facts = AlertFacts(notification)
        let color = facts.isResolved ? "Good" : (notification.instance.severity == .critical ? "Attention" : "Warning")
        let body = [
            Element(type: "TextBlock", text: facts.title, weight: "Bolder", size: "Medium", color: color, wrap: true),
            Element(type: "TextBlock", text: facts.summary, wrap: true),
            Element(type: "FactSet", facts: facts.facts.map { Fact(title: $0.name, value: $0.value) }),
        ]
        let actions = facts.link.map {
            [Action(title: "Open \(notification.instance.key.machine) on the dashboard", url: $0)]
        }
        return try encode(Message(attachments: [Attachment(content: Card(body: body, actions: actions))]))
    }

    static func request(_ message: Data, channel: NotifyChannel) throws -> ChannelRequest {
        jsonPost(try url(channel.secret("url"), channel, field: "url"), message)
    }
}
