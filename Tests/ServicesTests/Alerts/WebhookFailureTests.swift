import Foundation
import TestSupport
import Testing

@testable import Services

/// A webhook that cannot be delivered is said in one line naming what to fix, never as Foundation's multi-line
/// `Error Domain=NSURLErrorDomain … UserInfo={…}` dump.
@Suite("Webhook failures")
struct WebhookFailureTests {
    @Test("an unresolvable name, a closed port and a silent server each get one line that says what is wrong", arguments: [
        "unresolvable", "refused", "silent",
    ])
    func failuresInOneLine(kind: String) async throws {
        let transport = URLSessionWebhookTransport()
        let url: URL
        var listener: Int32 = -1
        switch kind {
        case "unresolvable": url = URL(string: "http://sms-no-such-receiver.invalid/hook")!
        case "refused": url = URL(string: "http://127.0.0.1:\(try freePort())/hook")!
        default:
            // A server that accepts and never answers.
            listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            listen(listener, 4)
            var bound = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
            url = URL(string: "http://127.0.0.1:\(UInt16(bigEndian: bound.sin_port))/hook")!
        }
        defer { if listener >= 0 { close(listener) } }
        do {
            _ = try await transport.post(url, headers: ["Authorization": "Bearer s3cr3t"], body: Data("{}".utf8), timeout: .seconds(2))
            Issue.record("\(kind): delivered")
        } catch {
            let text = "\(error)"
            #expect(!text.contains("\n") && !text.contains("Error Domain") && !text.contains("s3cr3t"), "\(text)")
            switch kind {
            case "unresolvable": #expect(text == "cannot resolve sms-no-such-receiver.invalid", "\(text)")
            case "refused": #expect(text.hasSuffix("refused the connection (nothing listening?)"), "\(text)")
            default: #expect(text.contains("did not answer within 2"), "\(text)")
            }
        }
    }
}
