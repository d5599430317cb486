import SMSCore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends one webhook request; the notifier's retry queue sits above it, tests may put a double below it.
public protocol WebhookTransport: Sendable {
    /// POSTs `body` to `url` and returns the HTTP status; throws on a transport error or timeout.
    func post(_ url: URL, headers: [String: String], body: Data, timeout: Duration) async throws -> Int
}

/// `WebhookTransport` over Foundation's URLSession (libcurl on Linux): no extra package dependency.
public final class URLSessionWebhookTransport: WebhookTransport, @unchecked Sendable {
    // URLSession is thread-safe; it is not marked Sendable in swift-corelibs-foundation.
    private let session: URLSession

    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func post(_ url: URL, headers: [String: String], body: Data, timeout: Duration) async throws -> Int {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.timeoutInterval = Notifier.Options.seconds(timeout)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        // The completion handler in a continuation, not the async `data(for:)`: that one can deadlock inside the
        // Swift runtime on Linux when its completion races its cancellation handler.
        let response: URLResponse = try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { _, response, error in
                if let error {
                    continuation.resume(throwing: WebhookError(description: Self.describe(error, url: url, timeout: timeout)))
                } else if let response {
                    continuation.resume(returning: response)
                } else {
                    continuation.resume(throwing: WebhookError(description: "\(url.host ?? "webhook") answered nothing"))
                }
            }.resume()
        }
        guard let http = response as? HTTPURLResponse else {
            throw WebhookError(description: "\(url.host ?? "webhook") answered without an HTTP response")
        }
        return http.statusCode
    }

    /// A transport failure in one line that says what to fix, instead of Foundation's multi-line NSError dump.
    static func describe(_ error: any Error, url: URL, timeout: Duration) -> String {
        let host = url.host ?? "the receiver"
        let place = url.port.map { "\(host):\($0)" } ?? host
        let ns = error as NSError
        guard ns.domain == NSURLErrorDomain else { return "cannot reach \(place): \(ns.localizedDescription)" }
        switch URLError.Code(rawValue: ns.code) {
        case .cannotFindHost, .dnsLookupFailed: return "cannot resolve \(host)"
        case .cannotConnectToHost: return "\(place) refused the connection (nothing listening?)"
        case .timedOut: return "\(place) did not answer within \(timeout)"
        case .networkConnectionLost: return "the connection to \(place) was lost"
        case .notConnectedToInternet: return "no network route to \(place)"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateHasUnknownRoot, .serverCertificateNotYetValid:
            return "TLS with \(place) failed (is its certificate trusted and valid?)"
        case .badServerResponse: return "\(place) did not answer HTTP"
        default: return "cannot reach \(place) (URL error \(ns.code))"
        }
    }
}

/// A webhook delivery that failed, in words a person can act on (never with header values).
public struct WebhookError: Error, CustomStringConvertible {
    public var description: String
}
