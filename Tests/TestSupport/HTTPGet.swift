import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// GET `url`: its body and response. URLSession's completion handler in a continuation, not its async
/// `data(from:)`: that one can deadlock inside the Swift runtime on Linux when its completion races its
/// cancellation handler (a test run hung so, both threads in `withStatusRecordLock`).
/// With `bearer`, it sends `Authorization: Bearer` (the hub's API and `/metrics` need it unless `hub.auth: none`).
public func httpGet(_ url: URL, bearer: String? = nil, timeout: TimeInterval = 10) async throws -> (Data, HTTPURLResponse) {
    var request = URLRequest(url: url)
    request.timeoutInterval = timeout
    if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
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
