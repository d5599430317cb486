import Services
import SMSCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.0 GET over a plain socket or TLS, for health checks of the local hub.
///
/// The controller only asks its own hub on loopback for small JSON bodies; a full HTTP client would add a
/// dependency for nothing. Every call has a timeout, so a hung hub cannot hang `smsctl`.
public enum HTTPProbe {
    /// A response: status code and body.
    public struct Response: Sendable {
        public var status: Int
        public var body: Data
    }

    /// GETs `path` from `host:port`, with `Authorization: Bearer` when a token is given; nil when nothing answers
    /// (refused, timeout, garbage).
    /// With `tls`, over HTTPS, the certificate verified.
    public static func get(
        host: String, port: Int, path: String, bearer: String? = nil, timeout: Double = 2, tls: ProbeTLS? = nil
    ) -> Response? {
        // The token travels only in this header, never in a path, an argument or a message.
        let authorization = bearer.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let request = Array("GET \(path) HTTP/1.0\r\nHost: \(hostHeader)\r\n\(authorization)Connection: close\r\n\r\n".utf8)
        if let tls {
            return exchangeTLS(host: host, port: port, request: request, tls: tls, timeout: timeout).flatMap(parse)
        }
        return exchange(host: host, port: port, request: request, timeout: timeout).flatMap(parse)
    }

    /// One request over a plain socket; the raw response, or nil when nothing answers.
    static func exchange(host: String, port: Int, request bytes: [UInt8], timeout: Double) -> Data? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else { return nil }
        guard send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { return nil }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while data.count < 16 << 20 {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return data
    }

    /// Splits a raw HTTP/1.x response into status and body (no chunked encoding: HTTP/1.0 answers are not).
    static func parse(_ data: Data) -> Response? {
        guard let split = data.firstRange(of: Data("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else { return nil }
        var body = Data(data[split.upperBound...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        return Response(status: status, body: body)
    }

    /// Decodes a chunked body, in case a server answers HTTP/1.0 with chunks anyway.
    static func dechunk(_ data: Data) -> Data {
        var out = Data()
        var rest = data[...]
        while let line = rest.firstRange(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: rest[..<line.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = line.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size else { break }
            let end = rest.index(start, offsetBy: size)
            out.append(rest[start..<end])
            rest = rest[min(rest.endIndex, rest.index(end, offsetBy: 2, limitedBy: rest.endIndex) ?? rest.endIndex)...]
        }
        return out
    }

    /// GETs and decodes JSON; nil unless the answer is 200 with a body of type `T`.
    public static func json<T: Decodable>(
        _ type: T.Type, host: String, port: Int, path: String, bearer: String? = nil, timeout: Double = 2,
        tls: ProbeTLS? = nil
    ) -> T? {
        guard let response = get(host: host, port: port, path: path, bearer: bearer, timeout: timeout, tls: tls),
            response.status == 200
        else {
            return nil
        }
        return try? JSONDecoder().decode(T.self, from: response.body)
    }

    /// True when something accepts connections on `host:port` (to tell "port taken" from "hub not running").
    public static func isListening(host: String, port: Int) -> Bool {
        get(host: host, port: port, path: "/healthz", timeout: 0.5) != nil || canConnect(host: host, port: port)
    }

    /// True when a TCP connection to `host:port` succeeds.
    public static func canConnect(host: String, port: Int) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0
    }
}
