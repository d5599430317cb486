import Foundation
import HummingbirdTesting
import TestSupport
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("Gateway metrics")
struct GatewayMetricsTests {
    /// Where Debian's `prometheus` package puts promtool; the check is skipped when it is absent.
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test func metricsExposeGatewaySeries() async throws {
        let fx = GatewayFixture()
        try await fx.feed()
        try await fx.app().test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                #expect(text.contains("sms_gateway_machines_declared 2"))
                #expect(text.contains("sms_gateway_machines_connected 1"))
                #expect(text.contains("sms_gateway_websocket_clients 0"))
                #expect(text.contains("# TYPE sms_gateway_websocket_messages_sent_total counter"))
            }
        }
    }

    @Test(.enabled(if: promtool != nil)) func metricsPassPromtool() async throws {
        let fx = GatewayFixture()
        try await fx.feed()
        let text = try await fx.app().test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
        }
        let promtool = try #require(Self.promtool)
        let (status, report) = try await offPool { try runTool(promtool, ["check", "metrics"], input: text) }
        #expect(status == 0, "promtool: \(report)")
        #expect(report.isEmpty, "promtool lint: \(report)")
    }
}
