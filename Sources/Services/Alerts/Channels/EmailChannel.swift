import Foundation
import Spec

/// Email over SMTP: a MIME message with a plain-text and an HTML part naming machine, rule, value, threshold,
/// since when, and the link to the machine's page. The outbox keeps the message without `From:`/`To:`; those, the
/// server and the credentials come from the channel when it is sent.
enum EmailChannel: ChannelFormat {
    static func render(_ notification: AlertNotification) throws -> Data {
        let facts = AlertFacts(notification)
        let subject =
            "[sms \(notification.specName)] \(facts.status): \(notification.instance.key.rule) on \(notification.instance.key.machine)"
        let message = EmailMessage(
            subject: subject, date: Date(timeIntervalSince1970: Double(notification.atMs) / 1000),
            plain: facts.plainText + "\n\n-- \nsms · \(notification.specName)\n", html: html(facts),
            extraHeaders: [
                "X-SMS-Alert": "\(notification.instance.key.rule)@\(notification.instance.key.machine)",
                "X-SMS-State": notification.state,
            ])
        return Data(message.text.utf8)
    }

    static func request(_ message: Data, channel: NotifyChannel) throws -> ChannelRequest {
        guard let serverText = channel.text("server"), let server = SMTPServerAddress(serverText),
            let from = EmailAddress(channel.text("from") ?? "")
        else { throw ChannelSetupError("channel \(channel.name) has no usable server or from address") }
        let to = channel.list("to").compactMap(EmailAddress.init)
        guard !to.isEmpty else { throw ChannelSetupError("channel \(channel.name) has no recipient") }
        let security = EmailSecurity(rawValue: channel.text("security") ?? "") ?? .starttls
        let head =
            "From: \(EmailMessage.address(from))\r\nTo: \(to.map(EmailMessage.address).joined(separator: ", "))\r\n"
        return .mail(
            SMTPSubmission(
                host: server.host, port: server.port ?? security.defaultPort, security: security,
                username: channel.text("username"), password: channel.secret("password"), caFile: channel.text("ca"),
                from: from.address, to: to.map(\.address), message: Data(head.utf8) + message))
    }

    /// The HTML part: the title, the summary, a table of the facts and the link.
    static func html(_ facts: AlertFacts) -> String {
        let color = String(format: "#%06X", facts.color)
        let rows = facts.facts.map {
            "<tr><th align=\"left\" style=\"padding:2px 12px 2px 0\">\(escape($0.name))</th><td>\(escape($0.value))</td></tr>"
        }
        let link = facts.link.map {
            "<p><a href=\"\(escape($0))\">Open \(escape(facts.instance.key.machine)) on the dashboard</a></p>"
        }
        return """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>\(escape(facts.title))</title></head>
            <body style="font-family:sans-serif">
            <h2 style="color:\(color)">\(escape(facts.title))</h2>
            <p>\(escape(facts.summary))</p>
            <table>\(rows.joined())</table>
            \(link ?? "")
            </body></html>

            """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
