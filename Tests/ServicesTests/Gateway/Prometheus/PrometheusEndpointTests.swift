import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import SMSCore
@testable import Services

/// The scrape endpoint and the query API in router mode, over the gateway fixture's in-memory twins.
@Suite("Gateway Prometheus")
struct PrometheusEndpointTests {
    @Test func scrapeServesEveryCurrentSeriesWithMachineLabelAndTimestamp() async throws {
        let fx = GatewayFixture()
        try await fx.feed()
        let state = try #require(try await fx.state.machine("mcrn"))
        try await fx.app().test(.router) { client in
            try await client.execute(uri: "/api/v1/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == PromExposition.textContentType)
                let text = String(buffer: response.body)
                let t = try #require(state.lastSampleMs)
                #expect(text.contains("# TYPE sms_cpu_usage_percent gauge\n"))
                #expect(text.contains("sms_cpu_usage_percent{machine=\"mcrn\"} 29 \(t)\n"))
                #expect(text.contains("sms_disk_used_percent{machine=\"mcrn\",mount=\"/boot\"} 20 \(t)\n"))
                #expect(text.contains("sms_load1{machine=\"mcrn\"} 0.7 \(t)\n"))
                let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
                #expect(samples.count == state.values.count)
            }
            try await client.execute(
                uri: "/api/v1/metrics?match%5B%5D=sms_disk_used_percent%7Bmount%3D~%22%2Fb.*%22%7D", method: .get,
                headers: [.accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"]
            ) { response in
                #expect(response.headers[.contentType] == PromExposition.openMetricsContentType)
                let text = String(buffer: response.body)
                let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
                #expect(samples.count == 1 && samples[0].hasPrefix("sms_disk_used_percent{machine=\"mcrn\",mount=\"/boot\"} 20 "))
                #expect(text.hasSuffix("# EOF\n"))
            }
            try await client.execute(uri: "/api/v1/metrics?match%5B%5D=sum(x)", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func aDisconnectedMachineDisappears() async throws {
        let fx = GatewayFixture()
        try await fx.feed()
        try await fx.state.setConnected("mcrn", false, atMs: GatewayFixture.nowMs())
        try await fx.app().test(.router) { client in
            try await client.execute(uri: "/federate", method: .get) { response in
                #expect(response.status == .ok)
                #expect(!String(buffer: response.body).contains("machine=\"mcrn\""))
            }
        }
    }

    @Test func queryAPIAnswersInPrometheusShapes() async throws {
        let fx = GatewayFixture()
        try await fx.feed()
        let now = Double(GatewayFixture.nowMs()) / 1000
        try await fx.app().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/query?query=sum+by+(machine)+(sms_disk_used_percent)&time=\(now)", method: .get
            ) { response in
                let body = try response.body.json()
                #expect(body["status"] as? String == "success")
                let data = try #require(body["data"] as? [String: Any])
                #expect(data["resultType"] as? String == "vector")
                let result = try #require(data["result"] as? [[String: Any]])
                #expect(result.count == 1)
                #expect(result.first?["metric"] as? [String: String] == ["machine": "mcrn"])
                #expect((result.first?["value"] as? [Any])?.last as? String == "83")
            }
            try await client.execute(
                uri: "/api/v1/query_range?query=sms_cpu_usage_percent&start=\(now - 10)&end=\(now)&step=5s", method: .get
            ) { response in
                let body = try response.body.json()
                let data = try #require(body["data"] as? [String: Any])
                #expect(data["resultType"] as? String == "matrix")
                let result = try #require(data["result"] as? [[String: Any]])
                #expect((result.first?["values"] as? [Any])?.count == 3)
            }
            try await client.execute(uri: "/api/v1/query?query=holt_winters(x%5B5m%5D,0.1,0.1)", method: .get) { response in
                #expect(response.status == .badRequest)
                let body = try response.body.json()
                #expect(body["status"] as? String == "error")
                #expect(body["errorType"] as? String == "bad_data")
                #expect((body["error"] as? String)?.contains("holt_winters") == true)
            }
            try await client.execute(uri: "/api/v1/label/mount/values", method: .get) { response in
                let body = try response.body.json()
                #expect(body["data"] as? [String] == ["/", "/boot"])
            }
            try await client.execute(uri: "/api/v1/labels", method: .get) { response in
                let names = try response.body.json()["data"] as? [String] ?? []
                #expect(names.contains("__name__") && names.contains("machine") && names.contains("interface"))
            }
            try await client.execute(uri: "/api/v1/series?match%5B%5D=sms_load1", method: .get) { response in
                let data = try response.body.json()["data"] as? [[String: String]]
                #expect(data == [["__name__": "sms_load1", "machine": "mcrn"]])
            }
        }
    }

    @Test func theRoutesNeedALoginAndAViewerMayQueryWithPOST() async throws {
        let (fx, configuration, dir) = try GatewayAuthTests.fixture(clock: GatewayAuthTests.ManualClock())
        defer { try? FileManager.default.removeItem(at: dir) }
        try await fx.feed()
        try await fx.app(configuration).test(.router) { client in
            for uri in ["/api/v1/metrics", "/federate", "/api/v1/query?query=1", "/api/v1/labels"] {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .unauthorized, "\(uri)") }
            }
            let (_, cookie) = try await GatewayAuthTests.login(client, "viewer-password")
            let session: HTTPFields = [.cookie: try #require(cookie)]
            try await client.execute(uri: "/federate", method: .get, headers: session) { #expect($0.status == .ok) }
            // Grafana's default: the query as a form in a POST, which only reads (no admin role, no CSRF token).
            var form = session
            form[.contentType] = "application/x-www-form-urlencoded"
            try await client.execute(
                uri: "/api/v1/query", method: .post, headers: form, body: ByteBuffer(string: "query=count(sms_load1)")
            ) { response in
                #expect(response.status == .ok)
                let data = try response.body.json()["data"] as? [String: Any]
                let result = data?["result"] as? [[String: Any]]
                #expect((result?.first?["value"] as? [Any])?.last as? String == "1")
            }
            try await client.execute(uri: "/api/v1/label/mount/values", method: .post, headers: form) {
                #expect($0.status == .ok)
            }
            // Other writes still need the admin role.
            try await client.execute(uri: "/api/silences", method: .post, headers: form, body: ByteBuffer(string: "{}")) {
                #expect($0.status == .forbidden)
            }
        }
    }

    @Test func expositionEscapesLabelsAndWritesSpecialValuesAsPrometheusDoes() {
        let samples = [
            PromSample(name: "sms_custom_odd", labels: ["machine": "m", "path": "a\\b \"q\"\nz"], value: .nan, timestampMs: 1_500),
            PromSample(name: "sms_custom_odd", labels: ["machine": "n"], value: -.infinity, timestampMs: 2_000),
            PromSample(name: "sms_collector_buffer_dropped_batches_total", labels: ["machine": "m"], value: 3, timestampMs: 2_010),
        ]
        #expect(PromExposition.render(samples, openMetrics: false) == """
            # HELP sms_collector_buffer_dropped_batches_total batches the collector's buffer lost for good (overflow, or a full disk beyond its memory cap), since the buffer was made (sms: collector.buffer_dropped_batches)
            # TYPE sms_collector_buffer_dropped_batches_total counter
            sms_collector_buffer_dropped_batches_total{machine="m"} 3 2010
            # HELP sms_custom_odd your own metric, from a textfile (sms: custom.odd)
            # TYPE sms_custom_odd untyped
            sms_custom_odd{machine="m",path="a\\\\b \\"q\\"\\nz"} NaN 1500
            sms_custom_odd{machine="n"} -Inf 2000

            """)
        let open = PromExposition.render(samples, openMetrics: true)
        #expect(open.contains("# TYPE sms_collector_buffer_dropped_batches counter\nsms_collector_buffer_dropped_batches_total{machine=\"m\"} 3 2.01\n"))
        #expect(open.contains("# TYPE sms_custom_odd unknown\n"))
        #expect(open.contains("sms_custom_odd{machine=\"n\"} -Inf 2\n"))
        #expect(open.hasSuffix("# EOF\n"))
    }

    @Test func aSeriesThatStopsWhileItsMachineReportsLeavesTheEndpoint() async throws {
        let fx = GatewayFixture()
        try await fx.feed(count: 3)
        try await fx.app(GatewayLiveTests.configuration).test(.live) { client in
            // The next batch lacks /boot (unmounted): the live state still holds its last value, the endpoint not.
            var batch = GatewayFixture.batch("mcrn", seq: 50, at: GatewayFixture.nowMs())
            batch.snapshot.samples.removeAll { $0.series.labels["mount"] == "/boot" }
            try await fx.state.record(batch, agentVersion: nil, specHash: nil, backlog: nil, receivedMs: GatewayFixture.nowMs())
            #expect(try await fx.state.machine("mcrn")?.values.keys.contains { $0.contains("/boot") } == true)
            var text = ""
            for _ in 0..<100 {
                await fx.bus.publish(.batch(batch))
                text = try await client.execute(uri: "/api/v1/metrics", method: .get) { String(buffer: $0.body) }
                if text.contains("sms_cpu_usage_percent{machine=\"mcrn\"} 12.5 \(batch.timestampMs)") { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(text.contains("sms_disk_used_percent{machine=\"mcrn\",mount=\"/\"} 63 \(batch.timestampMs)"), "\(text)")
            #expect(!text.contains("/boot"), "\(text)")
        }
    }
}
