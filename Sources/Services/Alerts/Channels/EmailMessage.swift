import Foundation
import Spec

/// A MIME message (RFC 5322 + 2045/2047): `multipart/alternative` with a plain and an HTML part, base64 encoded
/// so any text is safe on the wire and no line ever starts with a dot; CRLF line ends throughout.
struct EmailMessage {
    var subject: String
    var date: Date
    var plain: String
    var html: String
    var extraHeaders: [String: String] = [:]

    /// Headers (without `From:`/`To:`, added when sending), a blank line and the body.
    var text: String {
        let boundary = "sms-" + UUID().uuidString
        var lines = [
            "Subject: \(Self.encodedWord(subject))",
            "Date: \(Self.rfc5322(date))",
            "Message-ID: <\(UUID().uuidString.lowercased())@sms>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
        ]
        lines += extraHeaders.sorted { $0.key < $1.key }.map { "\($0.key): \(Self.encodedWord($0.value))" }
        lines.append("")
        for (type, body) in [("text/plain", plain), ("text/html", html)] {
            lines += [
                "--\(boundary)", "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", "",
                Self.base64Lines(body),
            ]
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// `=?utf-8?B?…?=` for a header value that is not plain ASCII; ASCII as it is.
    static func encodedWord(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) { return text }
        return "=?utf-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    /// An address for a header: the display name encoded when it is not ASCII.
    static func address(_ address: EmailAddress) -> String {
        guard let open = address.written.firstIndex(of: "<") else { return address.address }
        let name = address.written[..<open].trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? "<\(address.address)>" : "\(encodedWord(name)) <\(address.address)>"
    }

    /// Base64 in lines of 76 characters, as MIME wants.
    static func base64Lines(_ text: String) -> String {
        let encoded = Data(text.utf8).base64EncodedString()
        var lines: [Substring] = []
        var rest = Substring(encoded)
        while !rest.isEmpty {
            lines.append(rest.prefix(76))
            rest = rest.dropFirst(76)
        }
        return lines.joined(separator: "\r\n")
    }

    /// `Sun, 06 Dec 2026 18:36:11 +0000`.
    static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
