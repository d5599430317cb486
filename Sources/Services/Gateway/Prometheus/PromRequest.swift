import Foundation
import Hummingbird
import NIOCore

/// The parameters of a Prometheus API request: the URL's query and, for POST, a form body; `+` is a space and
/// `%XX` decoded, as Go's clients (promtool, Grafana) encode them.
struct PromParameters: Sendable {
    var pairs: [(String, String)] = []

    static func read(_ request: Request) async throws -> PromParameters {
        var out = PromParameters()
        out.add(form: request.uri.query ?? "")
        if request.method == .post {
            let body = try await request.body.collect(upTo: 1 << 20)
            out.add(form: String(buffer: body))
        }
        return out
    }

    mutating func add(form text: String) {
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            pairs.append((key, value))
        }
    }

    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    subscript(_ key: String) -> String? { pairs.last { $0.0 == key }?.1 }

    func all(_ key: String) -> [String] { pairs.filter { $0.0 == key }.map(\.1) }

    /// A time as Prometheus takes it: Unix seconds (with fractions) or RFC 3339; in ms.
    func time(_ key: String, default fallback: Int64? = nil) throws(PromQLError) -> Int64 {
        guard let text = self[key], !text.isEmpty else {
            if let fallback { return fallback }
            throw PromQLError("missing parameter \"\(key)\"")
        }
        // Within ±100,000 years, so the arithmetic on ms can never overflow.
        if let seconds = Double(text), seconds.isFinite, abs(seconds) < 3e12 {
            return Int64((seconds * 1000).rounded())
        }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = iso.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        iso.formatOptions = [.withInternetDateTime]
        if let date = iso.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        throw PromQLError("invalid parameter \"\(key)\": cannot parse \"\(text)\" to a valid timestamp")
    }

    /// A step as Prometheus takes it: seconds (`15`, `0.5`) or a duration (`15s`, `1m`); in ms.
    func duration(_ key: String) throws(PromQLError) -> Int64 {
        guard let text = self[key], !text.isEmpty else { throw PromQLError("missing parameter \"\(key)\"") }
        if let seconds = Double(text), seconds.isFinite, seconds > 0, seconds < 3e12 {
            return max(1, Int64((seconds * 1000).rounded()))
        }
        if case .range(_, let ms) = try? PromQLParser.parse("x[\(text)]") { return ms }
        throw PromQLError("invalid parameter \"\(key)\": cannot parse \"\(text)\" to a valid duration")
    }
}

/// Prometheus' JSON envelopes, written by hand so values and times come out exactly as Prometheus writes them.
enum PromJSON {
    static func success(_ data: String) -> Response {
        response(.ok, "{\"status\":\"success\",\"data\":\(data)}")
    }

    /// `{"status":"error","errorType":"bad_data","error":"…"}` with 400.
    static func badData(_ message: String) -> Response {
        response(.badRequest, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\(string(message))}")
    }

    static func response(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func string(_ s: String) -> String {
        let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func labels(_ labels: [String: String]) -> String {
        "{" + labels.sorted { $0.key < $1.key }.map { "\(string($0.key)):\(string($0.value))" }.joined(separator: ",")
            + "}"
    }

    /// `[1733500000.25,"42"]`: seconds as a number, the value as a string.
    static func point(_ ms: Int64, _ value: Double) -> String {
        "[\(PromExposition.formatSeconds(ms)),\"\(PromExposition.formatValue(value))\"]"
    }

    /// An instant query's `data`.
    static func instant(_ value: PromValue, atMs: Int64) -> String {
        switch value {
        case .scalar(let v): return "{\"resultType\":\"scalar\",\"result\":\(point(atMs, v))}"
        case .vector(let samples):
            let items = samples.map { "{\"metric\":\(labels($0.labels)),\"value\":\(point(atMs, $0.value))}" }
            return "{\"resultType\":\"vector\",\"result\":[\(items.joined(separator: ","))]}"
        case .matrix(let series): return matrix(series)
        }
    }

    static func matrix(_ series: [PromSeries]) -> String {
        let items = series.map { s in
            let values = zip(s.t, s.v).map { point($0.0, $0.1) }.joined(separator: ",")
            return "{\"metric\":\(labels(s.labels)),\"values\":[\(values)]}"
        }
        return "{\"resultType\":\"matrix\",\"result\":[\(items.joined(separator: ","))]}"
    }
}
