import Foundation
import NIOCore
import NIOSSL
import Spec

/// One SMTP conversation on an open connection: greeting, EHLO, STARTTLS, AUTH, the envelope, DATA, QUIT.
struct SMTPSession {
    var lines: NIOAsyncChannelInboundStream<String>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let channel: any Channel
    let place: String

    /// Submits the message; returns the recipients the server refused for good (5xx) while it took the others.
    mutating func submit(_ submission: SMTPSubmission, tls: NIOSSLContext) async throws -> [String] {
        try expect(await reply(), 220, "greeting")
        var capabilities = try await hello()
        if submission.security == .starttls {
            guard capabilities.contains(where: { $0.uppercased() == "STARTTLS" }) else {
                throw SMTPError(
                    "\(place) does not offer STARTTLS; nothing was sent (security: tls if it speaks TLS from the start, usually port 465)"
                )
            }
            try expect(await command("STARTTLS"), 220, "STARTTLS")
            let host = submission.host
            try await channel.eventLoop.submit { [channel] in
                try channel.pipeline.syncOperations.addHandler(
                    NIOSSLClientHandler(context: tls, serverHostname: SMTPClient.serverName(host)), position: .first)
            }.get()
            capabilities = try await hello()
        }
        if let username = submission.username, let password = submission.password {
            try await authenticate(username, password, capabilities)
        }
        try expect(await command("MAIL FROM:<\(submission.from)>"), 250, "MAIL FROM")
        // A recipient refused for good (a typo, a gone mailbox) must not hold back the others' mail for a day of
        // retries; a temporary refusal (4xx, greylisting) fails the attempt so it is retried for everyone.
        var refused: [String] = []
        for recipient in submission.to {
            let answer = try await command("RCPT TO:<\(recipient)>")
            if answer.code == 250 || answer.code == 251 { continue }
            guard answer.code >= 500, submission.to.count > 1 else {
                throw SMTPError("\(place) refused recipient \(recipient): \(answer.shown)")
            }
            refused.append("\(recipient) (\(answer.shown))")
        }
        guard refused.count < submission.to.count else {
            throw SMTPError("\(place) refused every recipient: \(refused.joined(separator: ", "))")
        }
        try expect(await command("DATA"), 354, "DATA")
        try await outbound.write(ByteBuffer(bytes: Self.dotStuffed(submission.message)))
        try expect(await reply(), 250, "the message")
        // Accepted: a failing QUIT changes nothing.
        _ = try? await command("QUIT")
        return refused
    }

    /// EHLO; the extension keywords the server offers (`STARTTLS`, `AUTH PLAIN LOGIN`, …).
    private mutating func hello() async throws -> [String] {
        let answer = try await command("EHLO \(Self.localName)")
        try expect(answer, 250, "EHLO")
        return Array(answer.lines.dropFirst())
    }

    /// AUTH PLAIN when offered, else AUTH LOGIN; the credentials never leave this function but to the server.
    private mutating func authenticate(_ username: String, _ password: String, _ capabilities: [String]) async throws {
        let offered = Set(
            capabilities.filter { $0.uppercased().hasPrefix("AUTH") }
                .flatMap { $0.uppercased().dropFirst(4).split(whereSeparator: { $0 == " " || $0 == "=" }) }
                .map(String.init))
        let answer: SMTPReply
        if offered.contains("PLAIN") {
            answer = try await command("AUTH PLAIN " + Data("\0\(username)\0\(password)".utf8).base64EncodedString())
        } else if offered.contains("LOGIN") {
            try expect(await command("AUTH LOGIN"), 334, "AUTH LOGIN")
            try expect(await command(Data(username.utf8).base64EncodedString()), 334, "AUTH LOGIN")
            answer = try await command(Data(password.utf8).base64EncodedString())
        } else {
            let listed = offered.isEmpty ? "none" : offered.sorted().joined(separator: " ")
            throw SMTPError("\(place) offers no AUTH PLAIN or LOGIN (offers: \(listed)); nothing was sent")
        }
        guard answer.code == 235 else {
            throw SMTPError("\(place) refused the username or password: \(answer.shown)")
        }
    }

    private func expect(_ answer: SMTPReply, _ code: Int, _ step: String) throws {
        guard answer.code == code else { throw SMTPError("\(place) refused \(step): \(answer.shown)") }
    }

    /// Sends one command line and reads its reply.
    private mutating func command(_ line: String) async throws -> SMTPReply {
        try await outbound.write(ByteBuffer(string: line + "\r\n"))
        return try await reply()
    }

    /// One reply, over as many `250-…` lines as it takes.
    private mutating func reply() async throws -> SMTPReply {
        var texts: [String] = []
        while let line = try await lines.next() {
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)),
                (200...599).contains(code)
            else { throw SMTPError("\(place) does not speak SMTP (it answered something else)") }
            texts.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
            if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") { return SMTPReply(code: code, lines: texts) }
        }
        throw SMTPError("\(place) closed the connection")
    }

    /// The message with CRLF line ends, lines starting with a dot doubled, and the final `.` line.
    static func dotStuffed(_ message: Data) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + 64)
        var lineStart = true
        var previous: UInt8 = 0
        for byte in message {
            if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") { out.append(UInt8(ascii: "\r")) }
            if lineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out.append(byte)
            lineStart = byte == UInt8(ascii: "\n")
            previous = byte
        }
        if !lineStart { out += Array("\r\n".utf8) }
        out += Array(".\r\n".utf8)
        return out
    }

    /// The name EHLO gives: this machine's host name, or a literal when it has none usable.
    static let localName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "[127.0.0.1]" }
        let name = String(cString: buffer)
        let usable =
            !name.isEmpty
            && name.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == ".")
            }
        return usable ? name : "[127.0.0.1]"
    }()
}
