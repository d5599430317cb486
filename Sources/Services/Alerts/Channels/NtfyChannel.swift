import Foundation
import Spec

/// ntfy's JSON publishing: title, message, priority (5 critical, 4 warning, 3 resolved), tags and a click link,
/// posted to the server's root with the topic taken from the channel's URL (`https://ntfy.sh/TOPIC`) when sending;
/// an access token, if any, as a Bearer header.
enum NtfyChannel: ChannelFormat {
    struct Message: Codable {
        var title: String
        var message: String
        var priority: Int
        var tags: [String]
        var click: String?
    }

    static func render(_ notification: AlertNotification) throws -> Data {
        let facts = AlertFacts(notification)
        let (priority, tag) =
            facts.isResolved
            ? (3, "white_check_mark")
            : notification.instance.severity == .critical ? (5, "rotating_light") : (4, "warning")
        let message = Message(
            title: facts.title, message: facts.plainText, priority: priority, tags: [tag, "sms"], click: facts.link)
        return try encode(message)
    }

    static func request(_ message: Data, channel: NotifyChannel) throws -> ChannelRequest {
        let topicURL = try url(channel.text("url"), channel, field: "url")
        let topic = topicURL.lastPathComponent
        guard !topic.isEmpty, topic != "/" else {
            throw ChannelSetupError("channel \(channel.name): the ntfy URL names no topic")
        }
        let root = topicURL.deletingLastPathComponent()
        var headers: [String: String] = [:]
        if let token = channel.secret("token") { headers["Authorization"] = "Bearer \(token)" }
        return jsonPost(root, try adding(["topic": topic], to: message), headers: headers)
    }
}
