import Foundation
import Spec
import TestSupport
import Testing

@testable import Services

/// sms's SMTP client against a real SMTP server (aiosmtpd, `tests/lib/smtp_server.py`) on loopback: STARTTLS and
/// implicit TLS, AUTH PLAIN and LOGIN, and each failure as one line naming the server and the cause.
@Suite struct SMTPClientTests {
    static func submission(_ server: SMTPTestServer, security: EmailSecurity, password: String? = nil, ca: Bool = true)
        -> SMTPSubmission
    {
        let message = """
            From: sms <alerts@example.com>\r
            To: ops@example.com\r
            Subject: test\r
            \r
            first line\r
            .a line that starts with a dot\r
            .\r
            last line\r

            """
        return SMTPSubmission(
            host: "localhost", port: server.port, security: security, username: server.user,
            password: password ?? server.password, caFile: ca ? server.caFile : nil, from: "alerts@example.com",
            to: ["ops@example.com", "oncall@example.com"], message: Data(message.utf8))
    }

    @Test(
        "STARTTLS with AUTH PLAIN, and TLS from the first byte with AUTH LOGIN, each deliver the message intact to every recipient"
    )
    func deliversOverStartTLSAndImplicitTLS() async throws {
        for (security, auth) in [(EmailSecurity.starttls, "PLAIN,LOGIN"), (.tls, "LOGIN")] {
            let server = try await SMTPTestServer.launch(security: security.rawValue, auth: auth)
            try await SMTPClient.send(Self.submission(server, security: security), timeout: .seconds(20))
            let mails = server.mails
            #expect(mails.count == 1, "\(security): \(server.peer.log.suffix(2000))")
            let mail = try #require(mails.first)
            #expect(mail.encrypted && mail.login == server.user, "\(security)")
            #expect(
                mail.mailFrom == "alerts@example.com" && mail.recipients == ["ops@example.com", "oncall@example.com"])
            // Dot-stuffing undone by the server: the lines arrive as written.
            #expect(mail.raw.contains(".a line that starts with a dot\r\n.\r\nlast line"), "\(mail.raw)")
        }
    }

    @Test(
        "a wrong password, an untrusted certificate, STARTTLS refused and nothing listening: one line each, naming the server, never the password"
    )
    func failuresSayWhatToFix() async throws {
        let server = try await SMTPTestServer.launch()
        let place = "localhost:\(server.port)"
        let wrong = "wrong-\(UUID().uuidString)"
        await #expect {
            try await SMTPClient.send(
                Self.submission(server, security: .starttls, password: wrong), timeout: .seconds(20))
        } throws: { error in
            let text = "\(error)"
            return text.contains(place) && text.contains("refused the username or password") && !text.contains(wrong)
                && !text.contains(server.password) && !text.contains("\n")
        }
        await #expect {
            try await SMTPClient.send(Self.submission(server, security: .starttls, ca: false), timeout: .seconds(20))
        } throws: { error in "\(error)".hasPrefix("TLS with \(place) failed") && !"\(error)".contains("\n") }
        // A server that speaks plain SMTP where TLS was asked for: refused before anything is sent.
        await #expect {
            try await SMTPClient.send(Self.submission(server, security: .tls), timeout: .seconds(20))
        } throws: { error in "\(error)".contains(place) && !"\(error)".contains("\n") }
        #expect(server.mails.isEmpty)
        server.peer.stop()
        await #expect {
            try await SMTPClient.send(Self.submission(server, security: .starttls), timeout: .seconds(20))
        } throws: { error in "\(error)" == "\(place) refused the connection (nothing listening?)" }
    }

    @Test("a recipient refused for good does not hold back the others: they get the mail, the refusal is returned; refused alone it is an error")
    func aRefusedRecipientDoesNotHoldBackTheOthers() async throws {
        let server = try await SMTPTestServer.launch()
        var submission = Self.submission(server, security: .starttls)
        submission.to = ["ops@example.com", "nobody@example.com"]
        let refused = try await SMTPClient.send(submission, timeout: .seconds(20))
        #expect(refused.count == 1 && refused[0].hasPrefix("nobody@example.com (550"), "\(refused)")
        #expect(server.mails.map(\.recipients) == [["ops@example.com"]])
        submission.to = ["nobody@example.com"]
        await #expect {
            try await SMTPClient.send(submission, timeout: .seconds(20))
        } throws: { "\($0)".contains("refused recipient nobody@example.com: 550") }
        #expect(server.mails.count == 1)
    }

    @Test func dotStuffingDoublesLeadingDotsAndEndsWithTheTerminator() {
        let out = String(decoding: SMTPSession.dotStuffed(Data("a\n.b\r\n..c\r\nd".utf8)), as: UTF8.self)
        #expect(out == "a\r\n..b\r\n...c\r\nd\r\n.\r\n")
    }
}
