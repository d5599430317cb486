import Foundation
import SMSCore
import Spec

/// One notification format: how an alert reads to that service, and how the stored message is sent to it.
///
/// `render` makes what the outbox stores: it never holds a secret or the channel's address, so `request` adds
/// those from the channel as the spec in force has it when the message is (re)sent.
protocol ChannelFormat {
    /// The message for `notification`, as stored in the outbox.
    static func render(_ notification: AlertNotification) throws -> Data
    /// What to send for a stored `message` to `channel`.
    static func request(_ message: Data, channel: NotifyChannel) throws -> ChannelRequest
}

/// One delivery attempt's target: an HTTP POST or an SMTP submission. Holds secrets: never logged or stored.
enum ChannelRequest: Sendable {
    case http(url: URL, headers: [String: String], body: Data)
    case mail(SMTPSubmission)

    /// Where it goes: a channel has one queue per destination, so a reload that moves it starts a fresh one.
    /// A key in memory only (a URL may hold a token): never printed.
    var destination: String {
        switch self {
        case .http(let url, _, _): url.absoluteString
        case .mail(let mail): "smtp://\(mail.host):\(mail.port) \(mail.username ?? "") \(mail.to)"
        }
    }
}

/// A channel that cannot be sent to as the spec has it now (a field missing, a URL that does not parse).
struct ChannelSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension ChannelFormat {
    /// An HTTP POST of JSON with sms's User-Agent.
    static func jsonPost(_ url: URL, _ body: Data, headers: [String: String] = [:]) -> ChannelRequest {
        var all = ["Content-Type": "application/json", "User-Agent": "sms/\(SMSVersion.current)"]
        for (name, value) in headers { all[name] = value }
        return .http(url: url, headers: all, body: body)
    }

    /// `text` as an http(s) URL, or an error naming the channel's field (never the value: it may hold a token).
    static func url(_ text: String?, _ channel: NotifyChannel, field: String) throws -> URL {
        guard let text, let url = URL(string: text), url.scheme == "https" || url.scheme == "http", url.host != nil
        else { throw ChannelSetupError("channel \(channel.name) has no usable \(field)") }
        return url
    }

    /// The JSON encoding every format uses: sorted keys, slashes as written.
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// The stored JSON object with `fields` added (the parts the spec supplies at sending time).
    static func adding(_ fields: [String: Any], to message: Data) throws -> Data {
        guard var object = try JSONSerialization.jsonObject(with: message) as? [String: Any] else {
            throw ChannelSetupError("a stored notification is not a JSON object")
        }
        for (key, value) in fields { object[key] = value }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
