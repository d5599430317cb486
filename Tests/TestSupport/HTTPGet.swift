import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// GET `url`: its body and response. URLSession's completion handler in a continuation, not its async
/// `data(from:)`: that one can deadlock inside the Swift runtime on Linux when its completion races its
/// cancellation handler (a test run hung so, both threads in `withStatusRecordLock`).
/// With `bearer`, it sends `Authorization: Bearer` (the hub's API and `/metrics` need it unless `hub.auth: none`).
/// An `https://127.0.0.1:PORT/…` URL goes through `RawHTTP` with `ca` (URLSession on Linux cannot trust a CA of
/// one's own): the hub's certificate is verified against it.
public func httpGet(_ url: URL, bearer: String? = nil, timeout: TimeInterval = 10, ca: String? = nil) async throws -> (Data, HTTPURLResponse) {
    if url.scheme == "https", let port = url.port {
        let parts = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let encoded = parts?.percentEncodedPath ?? ""
        let path = (encoded.isEmpty ? "/" : encoded) + (parts?.percentEncodedQuery.map { "?" + $0 } ?? "")
        let headers = bearer.map { ["Authorization": "Bearer \($0)"] } ?? [:]
        let answer = try await offPool {
            try RawHTTP.request("GET", port: port, path, headers: headers, timeout: Int(timeout.rounded(.up)), ca: ca ?? "/dev/null")
        }
        guard let response = HTTPURLResponse(url: url, statusCode: answer.status, httpVersion: "HTTP/1.1", headerFields: answer.headers) else {
            throw URLError(.badServerResponse)
        }
        return (answer.body, response)
    }
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
