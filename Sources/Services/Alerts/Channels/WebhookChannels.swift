import Foundation
import Spec

/// sms's own webhook JSON (`format: json`), posted to `webhook:` with the channel's headers.
enum JSONWebhookChannel: ChannelFormat {
    static func render(_ notification: AlertNotification) throws -> Data {
        try WebhookPayload.body(notification, format: .json)
    }

    static func request(_ message: Data, channel: NotifyChannel) throws -> ChannelRequest {
        let url = try url(channel.webhook, channel, field: "webhook URL")
        return jsonPost(url, message, headers: channel.headers.mapValues { $0.value ?? "" })
    }
}

/// Slack's incoming-webhook message (`format: slack`; Mattermost and Rocket.Chat take it too).
enum SlackChannel: ChannelFormat {
    static func render(_ notification: AlertNotification) throws -> Data {
        try WebhookPayload.body(notification, format: .slack)
    }

    static func request(_ message: Data, channel: NotifyChannel) throws -> ChannelRequest {
        try JSONWebhookChannel.request(message, channel: channel)
    }
}
