import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("Gateway edge relay")
struct GatewayEdgeTests {
    static let token = "edge-token-0123456789"
    static let publicEdge = Edge(
        name: "public", url: "ws://127.0.0.1:1/ws", token: Secret(source: .env("SMS_EDGE_TOKEN"), value: token),
        machines: ["mcrn"], metrics: ["cpu", "load"])

    static func quietLogger() -> Logger {
        var logger = Logger(label: "test.edge")
        logger.logLevel = .critical
        return logger
    }

    @Test func redactorKeepsOnlyPublicMachinesAndMetrics() async throws {
        let fx = GatewayFixture()
        try await fx.feed(count: 3)
        let redactor = EdgeRedactor(Self.publicEdge)
        let fleet = FleetView(context: fx.context)
        let nfrt = try #require(try await fleet.summary("nfrt"))
        #expect(redactor.summary(nfrt) == nil)
        let full = try #require(try await fleet.detail("mcrn"))
        let detail = try #require(redactor.detail(full))
        #expect(detail.machine.host == nil && detail.machine.labels.isEmpty && detail.machine.agentVersion == nil)
        #expect(detail.machine.values.cpu == 2 && detail.machine.values.load1 == 0.7)
        #expect(detail.machine.values.memory == nil && detail.machine.values.disk == nil)
        #expect(detail.machine.values.netRxBytes == nil)
        #expect(detail.top.isEmpty)
        #expect(Set(detail.samples.map(\.metric)) == ["cpu.usage_percent", "cpu.count", "load.1m"])
        let memoryAlert = AlertStatusDTO(
            rule: "memory_high", machine: "mcrn", series: "memory.used_percent", severity: .critical, state: .firing,
            sinceMs: 1, message: "on host 10.0.0.5")
        #expect(redactor.alert(memoryAlert) == nil)
        let down = AlertStatusDTO(
            rule: "machine_down", machine: "mcrn", severity: .critical, state: .firing, sinceMs: 1,
            message: "host 10.0.0.5 silent")
        #expect(redactor.alert(down)?.message == nil)
    }

    @Test(arguments: [
        ("wss://edge.example.org/ws", "wss://edge.example.org/push"),
        ("wss://edge.example.org", "wss://edge.example.org/push"),
        ("ws://10.0.0.1:8443/sms/ws", "ws://10.0.0.1:8443/sms/push"),
        ("wss://edge.example.org/custom", "wss://edge.example.org/custom"),
    ])
    func pushURLDerivesFromTheEdgeURL(url: String, expected: String) {
        #expect(EdgePusher.pushURL(url) == expected)
    }

    @Test func constantTimeCompare() {
        #expect(ConstantTime.equal(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ConstantTime.equal(Array("abc".utf8), Array("abd".utf8)))
        #expect(!ConstantTime.equal(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!ConstantTime.equal([], Array("a".utf8)))
    }

    @Test func edgeRefusesWritesAndPushesWithoutTheToken() async throws {
        let app = try buildEdgeApplication(
            configuration: EdgeConfiguration(host: "127.0.0.1", port: 0, token: Self.token), logger: Self.quietLogger())
        try await app.test(.live) { client in
            for method in [HTTPRequest.Method.post, .put, .delete, .patch] {
                try await client.execute(uri: "/api/machines", method: method) {
                    #expect($0.status == .methodNotAllowed)
                }
            }
            try await client.execute(uri: "/push", method: .get) { #expect($0.status == .unauthorized) }
            let port = try #require(client.port)
            for (url, headers) in [
                ("ws://127.0.0.1:\(port)/push", [(String, String)]()),
                ("ws://127.0.0.1:\(port)/push", [("Authorization", "Bearer wrong-token")]),
                ("ws://127.0.0.1:\(port)/push?token=\(Self.token)", []),
                ("ws://127.0.0.1:\(port)/push", [("Authorization", "Basic \(Self.token)")]),
            ] {
                guard case .refused = try await SocketDialer.dial(url: url, headers: headers) else {
                    Issue.record("push accepted: \(url) \(headers)")
                    continue
                }
            }
        }
    }

    @Test func browsersOfTheEdgeSeeOnlyTheRedactedView() async throws {
        let app = try buildEdgeApplication(
            configuration: EdgeConfiguration(host: "127.0.0.1", port: 0, token: Self.token), logger: Self.quietLogger())
        try await app.test(.live) { client in
            let port = try #require(client.port)
            var edge = Self.publicEdge
            edge.url = "ws://127.0.0.1:\(port)/ws"
            let fx = GatewayFixture()
            try await fx.feed(count: 3)
            var spec = fx.spec.current().spec
            spec.edges = [edge]
            fx.spec.replace(spec, hash: GatewayFixture.specHash)
            let pusher = EdgePusher(
                edgeName: "public", context: fx.context, recent: RecentFiguresBook(), period: .milliseconds(50))
            let pushing = Task { try await pusher.session(edge: edge, token: Self.token) }
            defer { pushing.cancel() }

            try await GatewayLiveTests.withSocket(port: port) { reader, outbound in
                var seen: [[String: Any]] = []
                var details: [[String: Any]] = []
                try await outbound.write(SocketDialer.textFrame(#"{"subscribe":"mcrn"}"#))
                for _ in 0..<40 where seen.isEmpty || details.isEmpty {
                    let message = try await GatewayLiveTests.nextJSON(&reader)
                    seen += message["machines"] as? [[String: Any]] ?? []
                    details += message["details"] as? [[String: Any]] ?? []
                }
                #expect(Set(seen.compactMap { $0["id"] as? String }) == ["mcrn"], "the private machine never arrives")
                for machine in seen {
                    #expect(machine["host"] == nil && (machine["labels"] as? [String: String] ?? [:]).isEmpty)
                    let values = machine["values"] as? [String: Any] ?? [:]
                    #expect(values["memory"] == nil && values["disk"] == nil && values["netRxBytes"] == nil)
                }
                for json in details {
                    let data = try JSONSerialization.data(withJSONObject: json)
                    let detail = try JSONDecoder().decode(MachineDetail.self, from: data)
                    #expect(detail.top.isEmpty)
                    let metrics = Set(detail.samples.map(\.metric))
                    #expect(metrics.isSubset(of: ["cpu.usage_percent", "cpu.count", "load.1m"]), "\(metrics)")
                    #expect(!metrics.isEmpty)
                }
            }
            try await client.execute(uri: "/api/machines", method: .get) { response in
                let body = try response.body.json()
                #expect((body["machines"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["mcrn"])
            }
            // Prometheus scraping the edge sees what the public sees: its machine, its metrics, nothing else.
            try await client.execute(uri: "/api/v1/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
                let names = Set(samples.map { String($0.prefix { $0 != "{" && $0 != " " }) })
                #expect(names == ["sms_cpu_usage_percent", "sms_cpu_cores", "sms_load1"], "\(text)")
                #expect(samples.allSatisfy { $0.contains("{machine=\"mcrn\"}") }, "\(text)")
            }
        }
    }
}
