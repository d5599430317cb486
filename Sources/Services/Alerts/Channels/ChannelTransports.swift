import Foundation

/// Submits one email; the notifier's retry queue sits above it, tests may put a double below it.
public protocol MailTransport: Sendable {
    /// Submits `submission` within `timeout`; throws an error a person can act on (never with a credential).
    /// Returns the recipients refused for good while the others got the message (each with the server's reply).
    func send(_ submission: SMTPSubmission, timeout: Duration) async throws -> [String]
}

/// `MailTransport` over sms's own SMTP client.
public struct SMTPMailTransport: MailTransport {
    public init() {}
    public func send(_ submission: SMTPSubmission, timeout: Duration) async throws -> [String] {
        try await SMTPClient.send(submission, timeout: timeout)
    }
}

/// What the delivery queues send through: HTTP for the webhook and chat formats, SMTP for email.
struct ChannelTransports: Sendable {
    var webhook: any WebhookTransport
    var mail: any MailTransport

    /// One attempt; returns when the receiver accepted it (with a note on what it accepted only in part, such as a
    /// recipient refused), throws with the cause otherwise.
    @discardableResult
    func deliver(_ request: ChannelRequest, timeout: Duration) async throws -> String? {
        switch request {
        case .http(let url, let headers, let body):
            let status = try await webhook.post(url, headers: headers, body: body, timeout: timeout)
            guard (200..<300).contains(status) else {
                throw WebhookError(description: "\(url.host ?? "receiver") answered HTTP \(status)")
            }
            return nil
        case .mail(let submission):
            let refused = try await mail.send(submission, timeout: timeout)
            return refused.isEmpty ? nil : "\(submission.place) refused \(refused.joined(separator: ", "))"
        }
    }
}
