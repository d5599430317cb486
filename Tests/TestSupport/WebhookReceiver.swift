import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization

/// A webhook receiver on a real socket (Hummingbird, port 0): records what it accepts and answers with the
/// status a test sets, so retries and recovery are exercised over HTTP.
public final class WebhookReceiver: Sendable {
    public struct Request: Sendable {
        public var headers: [String: String]
        public var json: [String: String]
        public var body: Data
    }

    private let accepted = Mutex<[Request]>([])
    private let attemptCount = Atomic<Int>(0)
    private let answer = Atomic<Int>(200)

    public init() {}

    public var requests: [Request] { accepted.withLock { $0 } }
    public var attempts: Int { attemptCount.load(ordering: .relaxed) }
    /// The status every request gets from now on (non-2xx ones are not recorded as accepted).
    public func respond(with status: Int) { answer.store(status, ordering: .relaxed) }

    /// The `kind` and `rule@machine` of each accepted notification, in order.
    public var kinds: [String] { requests.map { $0.json["kind"] ?? $0.json["text"] ?? "?" } }

    /// Runs the receiver on a free port for the duration of `body`, passing the hook's URL.
    public func serve(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let data = Data(buffer.readableBytesView)
            self.attemptCount.add(1, ordering: .relaxed)
            let status = self.answer.load(ordering: .relaxed)
            if (200..<300).contains(status) {
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
                let json = object.compactMapValues { $0 as? String }
                self.accepted.withLock { $0.append(Request(headers: headers, json: json, body: data)) }
            }
            return Response(status: .init(code: status))
        }
        let app = Application(router: router)
        try await app.test(.live) { client in
            try await body("http://localhost:\(client.port!)/hook")
        }
    }
}
