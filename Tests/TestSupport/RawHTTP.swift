import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP/1.1 exchange over a plain socket, for tests that must control every header (cookies are never
/// stored between requests, unlike URLSession's) and the client's source address (`from: "127.0.0.2"`).
public enum RawHTTP {
    public struct Response: Sendable {
        public var status: Int
        /// Header names lowercased; repeated headers (Set-Cookie) joined by "\n".
        public var headers: [String: String]
        public var body: Data

        public var text: String { String(decoding: body, as: UTF8.self) }
        public func json() -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        }
        /// The value of a cookie the response sets, e.g. `sms_session_8080`; nil when none is set.
        public func setCookie(prefix: String) -> (value: String, attributes: String)? {
            for line in (headers["set-cookie"] ?? "").split(separator: "\n") where line.hasPrefix(prefix) {
                let parts = line.split(separator: ";", maxSplits: 1).map(String.init)
                guard let eq = parts[0].firstIndex(of: "=") else { continue }
                return (String(parts[0][parts[0].index(after: eq)...]), parts.count > 1 ? parts[1] : "")
            }
            return nil
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Sends `method path` to `127.0.0.1:port` (from `from` when given) and reads the whole answer. With `ca`,
    /// over TLS (`openssl s_client`, the hub's certificate verified against that CA for 127.0.0.1).
    public static func request(
        _ method: String, port: Int, _ path: String, headers: [String: String] = [:], body: Data? = nil,
        from source: String? = nil, timeout: Int = 10, ca: String? = nil
    ) throws -> Response {
        // A WebSocket upgrade names its own Connection header; the answer then ends at the timeout.
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        if !headers.keys.contains(where: { $0.lowercased() == "connection" }) { head += "Connection: close\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        let bytes = Array(head.utf8) + Array("\r\n".utf8) + Array(body ?? Data())
        if let ca {
            precondition(source == nil, "RawHTTP over TLS cannot choose its source address")
            return try parse(overTLS(bytes, port: port, ca: ca, timeout: timeout))
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, source, &local.sin_addr)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw Failure(description: "bind \(source): errno \(errno)") }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect 127.0.0.1:\(port): errno \(errno)") }
        guard send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else {
            throw Failure(description: "send: errno \(errno)")
        }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return try parse(data)
    }

    /// JSON in, for `POST /api/login` and friends.
    public static func json(
        _ method: String, port: Int, _ path: String, _ object: [String: Any], headers: [String: String] = [:],
        from source: String? = nil, ca: String? = nil
    ) throws -> Response {
        var all = headers
        all["Content-Type"] = "application/json"
        return try request(
            method, port: port, path, headers: all, body: try JSONSerialization.data(withJSONObject: object), from: source,
            ca: ca)
    }

    /// The exchange through `openssl s_client`, which verifies the certificate (against `ca`, for the address
    /// 127.0.0.1) before anything is sent; what the server answered.
    static func overTLS(_ bytes: [UInt8], port: Int, ca: String, timeout: Int) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["\(timeout)", "/usr/bin/openssl", "s_client", "-quiet", "-connect", "127.0.0.1:\(port)",
                             "-CAfile", ca, "-verify_return_error", "-verify_ip", "127.0.0.1"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // openssl may already have exited (nothing listening, a refused certificate): a broken pipe is its answer.
        try? input.fileHandleForWriting.write(contentsOf: Data(bytes))
        let data = output.fileHandleForReading.readDataToEndOfFile()
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        if data.isEmpty {
            let why = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw Failure(description: "TLS to 127.0.0.1:\(port) failed: \(why)")
        }
        return data
    }

    static func parse(_ data: Data) throws -> Response {
        guard let split = data.firstRange(of: Data("\r\n\r\n".utf8)) else {
            throw Failure(description: "no HTTP answer (\(data.count) bytes)")
        }
        let lines = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(description: "bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { $0 + "\n" + value } ?? value
        }
        var body = Data(data[split.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: Data) -> Data {
        var out = Data()
        var rest = data[...]
        while let line = rest.firstRange(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: rest[..<line.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16), size > 0 else { break }
            let start = line.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size else { break }
            let end = rest.index(start, offsetBy: size)
            out.append(rest[start..<end])
            rest = rest[min(rest.endIndex, rest.index(end, offsetBy: 2, limitedBy: rest.endIndex) ?? rest.endIndex)...]
        }
        return out
    }
}
