import Foundation
import Spec

/// Telegram's Bot API `sendMessage`: plain text (no parse mode, so nothing in an alert needs escaping) to the
/// channel's chat; the bot token is part of the URL, so both are added when sending.
enum TelegramChannel: ChannelFormat {
    struct Message: Codable {
        var text: String
        var link_preview_options = LinkPreview()
    }
    struct LinkPreview: Codable { var is_disabled = true }

    static func render(_ notification: AlertNotification) throws -> Data {
        let facts = AlertFacts(notification)
        return try encode(Message(text: AlertFacts.clip(facts.title + "\n" + facts.plainText, 4096)))
    }

    static func request(_ message: Data, channel: NotifyChannel) throws -> ChannelRequest {
        guard let token = channel.secret("bot_token"), !token.isEmpty, let chat = channel.text("chat_id") else {
            throw ChannelSetupError("channel \(channel.name) has no bot token or chat id")
        }
        let api = try url(channel.text("api") ?? "https://api.telegram.org", channel, field: "api")
        let endpoint = api.appendingPathComponent("bot\(token)").appendingPathComponent("sendMessage")
        // A numeric id goes as a number, a public channel's @name as a string, as the Bot API documents.
        let chatID: Any = Int64(chat).map { NSNumber(value: $0) } ?? chat
        return jsonPost(endpoint, try adding(["chat_id": chatID], to: message))
    }
}
