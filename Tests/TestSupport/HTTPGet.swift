import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// GET `url`: its body and response. URLSession's completion handler in a continuation, not its async
/// `data(from:)`: that one can deadlock inside the Swift runtime on Linux when its completion races its
/// cancellation handler (a test run hung so, both threads in `withStatusRecordLock`).
public func httpGet(_ url: URL, timeout: TimeInterval = 10) async throws -> (Data, HTTPURLResponse) {
    var request = URLRequest(url: url)
    request.timeoutInterval = timeout
    return try await withCheckedThrowingContinuation { continuation in
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                continuation.resume(throwing: error)
            } else if let response = response as? HTTPURLResponse {
                continuation.resume(returning: (data ?? Data(), response))
            } else {
                continuation.resume(throwing: URLError(.badServerResponse))
            }
        }.resume()
    }
}
