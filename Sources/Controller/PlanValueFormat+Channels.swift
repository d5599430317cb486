import Foundation
import Spec

/// How plan lines show a notify channel: its kind and fields, secrets by source, URLs by scheme and host.
extension Format {
    /// One field of a channel: what is compared (never printed) and what is shown.
    struct ChannelField {
        var field: String
        var compared: String
        var shown: String
    }

    /// `https://hooks.example.com/…`, or `email smtp.example.com:587 → [ops@example.com]`.
    static func channel(_ channel: NotifyChannel) -> String {
        if channel.format.isWebhook { return Redact.url(channel.webhook) }
        let parts = channelFields(channel).dropFirst().filter { !$0.shown.isEmpty }.map { "\($0.field) \($0.shown)" }
        return ([channel.format.rawValue] + parts).joined(separator: ", ")
    }

    /// The fields a plan compares, in the order of the format's table.
    static func channelFields(_ channel: NotifyChannel) -> [ChannelField] {
        if channel.format.isWebhook {
            return [
                ChannelField(field: "webhook", compared: channel.webhook, shown: Redact.url(channel.webhook)),
                ChannelField(field: "headers", compared: secrets(channel.headers), shown: secrets(channel.headers)),
                ChannelField(field: "format", compared: channel.format.rawValue, shown: channel.format.rawValue),
            ]
        }
        var fields = [ChannelField(field: "kind", compared: channel.format.rawValue, shown: channel.format.rawValue)]
        for field in channel.format.fields {
            switch (field.kind, channel.settings[field.key]) {
            case (_, .secret(let secret)?):
                // By source only: applied.json holds no value to compare with.
                fields.append(ChannelField(field: field.key, compared: secret.description, shown: secret.description))
            case (.url, .text(let url)?):
                fields.append(ChannelField(field: field.key, compared: url, shown: Redact.url(url)))
            case (_, .text(let text)?):
                fields.append(ChannelField(field: field.key, compared: text, shown: text))
            case (_, .list(let items)?):
                fields.append(ChannelField(field: field.key, compared: list(items), shown: list(items)))
            case (_, nil):
                continue
            }
        }
        return fields
    }
}
