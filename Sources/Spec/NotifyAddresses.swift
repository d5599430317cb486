import Foundation

/// An SMTP server as written: `host` or `host:port` (`[::1]:25` for an IPv6 address).
public struct SMTPServerAddress: Sendable, Equatable {
    public var host: String
    public var port: Int?

    public init(host: String, port: Int?) {
        self.host = host
        self.port = port
    }

    public init?(_ text: String) {
        var host = Substring(text)
        var port: Int?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()) else { return nil }
                port = p
            }
        } else if let colon = text.lastIndex(of: ":"), text.filter({ $0 == ":" }).count == 1 {
            guard let p = Int(text[text.index(after: colon)...]) else { return nil }
            host = text[..<colon]
            port = p
        }
        if let port, !(1...65535).contains(port) { return nil }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._:"))
        guard !host.isEmpty, host.unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) }) else { return nil }
        self.host = String(host)
        self.port = port
    }
}

/// An email address as written in the spec, bare (`a@example.com`) or with a display name (`sms <a@example.com>`).
public struct EmailAddress: Sendable, Equatable {
    /// What SMTP's `MAIL FROM`/`RCPT TO` take: `a@example.com`.
    public var address: String
    /// As written, for the message's `From:`/`To:` header.
    public var written: String

    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var address = trimmed
        if let open = trimmed.firstIndex(of: "<") {
            guard trimmed.hasSuffix(">"), trimmed.filter({ $0 == "<" || $0 == ">" }).count == 2 else { return nil }
            address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            // A display name is kept as written in the header: nothing that would need quoting there.
            if trimmed[..<open].contains(where: { $0 == "\"" || $0 == "," || $0 == ";" }) { return nil }
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        let forbidden = CharacterSet(charactersIn: " <>()[]\\,;:\"").union(.controlCharacters)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), address.unicodeScalars.allSatisfy({ !forbidden.contains($0) }),
            !trimmed.unicodeScalars.contains(where: { CharacterSet.newlines.contains($0) })
        else { return nil }
        self.address = address
        self.written = trimmed
    }
}
