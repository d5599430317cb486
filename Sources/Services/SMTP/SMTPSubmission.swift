import Foundation
import Spec

/// One message to submit over SMTP: where, how protected, with which credentials, from and to whom.
/// Holds the password: never logged, stored or put in an error.
public struct SMTPSubmission: Sendable {
    public var host: String
    public var port: Int
    public var security: EmailSecurity
    public var username: String?
    public var password: String?
    /// A CA certificate (PEM) to trust instead of the system's roots, for a server with a private CA.
    public var caFile: String?
    /// Envelope sender and recipients: bare addresses.
    public var from: String
    public var to: [String]
    /// The whole message, headers and body, with CRLF line ends.
    public var message: Data

    public init(
        host: String, port: Int, security: EmailSecurity, username: String? = nil, password: String? = nil,
        caFile: String? = nil, from: String, to: [String], message: Data
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
        self.from = from
        self.to = to
        self.message = message
    }

    /// `smtp.example.com:587`, as errors name the server.
    public var place: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// An SMTP submission that failed, in one line naming the server and the cause (never a credential).
public struct SMTPError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One SMTP reply: its code and its lines' text.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]

    /// `535 5.7.8 authentication failed`: one line, clipped, for errors.
    var shown: String {
        let text = lines.joined(separator: " ").filter { $0.isASCII && !$0.isNewline }
        return "\(code) " + (text.count > 160 ? String(text.prefix(157)) + "..." : text)
    }
}
