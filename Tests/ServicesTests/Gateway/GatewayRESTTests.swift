import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("Gateway REST")
struct GatewayRESTTests {
    @Test func machinesListsEveryDeclaredMachineMergedWithState() async throws {
        let fx = GatewayFixture()
        try await fx.feed()
        try await fx.app().test(.router) { client in
            try await client.execute(uri: "/api/machines", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = try response.body.json()
                #expect(body["spec"] as? String == "home")
                let machines = try #require(body["machines"] as? [[String: Any]])
                #expect(machines.map { $0["id"] as? String } == ["nfrt", "mcrn"], "no data sorts before ok")
                let mcrn = machines[1]
                #expect(mcrn["connected"] as? Bool == true)
                #expect(mcrn["status"] as? String == "ok")
                #expect(mcrn["specDrift"] as? Bool == false)
                #expect(mcrn["agentVersion"] as? String == "0.1.0")
                let values = try #require(mcrn["values"] as? [String: Any])
                #expect(values["cpu"] as? Double == 29)
                #expect(values["disk"] as? Double == 63)
                #expect(values["diskMount"] as? String == "/")
                #expect(values["netRxBytes"] as? Double == 1000, "loopback is left out")
                #expect(machines[0]["status"] as? String == "pending")
                #expect(machines[0]["intervalMs"] as? Int == 5000)
            }
        }
    }

    @Test func firingAlertSortsMachineFirst() async throws {
        let fx = GatewayFixture()
        try await fx.feed()
        fx.alerts.current.withLock {
            $0 = [
                AlertStatusDTO(rule: "machine_down", machine: "nfrt", severity: .critical, state: .firing, sinceMs: 1)
            ]
        }
        try await fx.app().test(.router) { client in
            try await client.execute(uri: "/api/machines", method: .get) { response in
                let body = try response.body.json()
                let machines = try #require(body["machines"] as? [[String: Any]])
                #expect(machines.first?["id"] as? String == "nfrt")
                #expect(machines.first?["status"] as? String == "critical")
                #expect(machines.first?["alertState"] as? String == "critical")
            }
        }
    }

    @Test func machineDetailHasValuesSeriesAndTopProcesses() async throws {
        let fx = GatewayFixture()
        try await fx.feed()
        try await fx.app().test(.router) { client in
            try await client.execute(uri: "/api/machines/mcrn", method: .get) { response in
                #expect(response.status == .ok)
                let body = try response.body.json()
                let samples = try #require(body["samples"] as? [[String: Any]])
                let root = samples.first {
                    $0["metric"] as? String == "disk.used_percent"
                        && ($0["labels"] as? [String: String]) == ["mount": "/"]
                }
                #expect(root?["value"] as? Double == 63)
                #expect((body["series"] as? [Any])?.count == 9)
                let top = try #require(body["top"] as? [[String: Any]])
                #expect(top.first?["name"] as? String == "swift-frontend")
            }
        }
    }

    @Test func unknownMachineIs404JSON() async throws {
        try await GatewayFixture().app().test(.router) { client in
            try await client.execute(uri: "/api/machines/nope", method: .get) { response in
                let body = try response.body.json()
                #expect(response.status == .notFound)
                #expect(body["error"] as? String == "unknown machine: nope")
            }
            try await client.execute(uri: "/api/nothing-here", method: .get) { response in
                let body = try response.body.json()
                #expect(response.status == .notFound)
                #expect(body["error"] != nil)
            }
        }
    }

    @Test func historyReturnsPointsOfMatchingSeries() async throws {
        let fx = GatewayFixture()
        try await fx.feed()
        try await fx.app().test(.router) { client in
            let uri = "/api/history?machine=mcrn&metric=disk.used_percent&labels=mount:/&from=-5m&to=now&step=1s"
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .ok)
                let body = try response.body.json()
                #expect(body["tier"] as? String == "raw")
                let series = try #require(body["series"] as? [[String: Any]])
                #expect(series.count == 1)
                let key = try #require(series.first?["series"] as? [String: Any])
                #expect(key["labels"] as? [String: String] == ["mount": "/"])
                #expect((series.first?["points"] as? [Any])?.count == 30)
            }
            try await client.execute(uri: "/api/history?machine=mcrn&metric=cpu.usage_percent", method: .get) {
                response in
                let body = try response.body.json()
                #expect(response.status == .ok)
                #expect((body["stepMs"] as? Int).map { $0 >= 1000 } == true)
            }
        }
    }

    @Test(arguments: [
        ("/api/history?metric=cpu.usage_percent", 400, "machine"),
        ("/api/history?machine=mcrn", 400, "metric"),
        ("/api/history?machine=mcrn&metric=cpu.bogus", 400, "metric"),
        ("/api/history?machine=mcrn&metric=cpu.usage_percent&from=yesterday", 400, "from"),
        ("/api/history?machine=mcrn&metric=cpu.usage_percent&to=-1h&from=now", 400, "from"),
        ("/api/history?machine=mcrn&metric=cpu.usage_percent&step=often", 400, "step"),
        ("/api/history?machine=mcrn&metric=cpu.usage_percent&labels=mount", 400, "labels"),
        ("/api/history?machine=mcrn&metric=cpu.usage_percent&tier=5m", 400, "tier"),
        ("/api/history?machine=ghost&metric=cpu.usage_percent", 404, "unknown machine"),
        ("/api/alerts/history?limit=0", 400, "limit"),
    ])
    func badRequestsNameTheParameter(uri: String, status: Int, mention: String) async throws {
        try await GatewayFixture().app().test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status.code == status)
                let body = try response.body.json()
                let message = try #require(body["error"] as? String)
                #expect(message.hasPrefix(mention), "\(message)")
            }
        }
    }

    @Test func alertsEndpointsListActiveAndPast() async throws {
        let fx = GatewayFixture()
        let firing = AlertStatusDTO(
            rule: "cpu_high", machine: "mcrn", series: "cpu.usage_percent", severity: .warning, state: .firing,
            sinceMs: 1000, value: 85, threshold: 80)
        fx.alerts.current.withLock { $0 = [firing] }
        fx.alerts.delivery.withLock {
            $0 = [NotificationChannelStatus(name: "ops", queued: 2, lastError: "cannot resolve hooks.example.com", lastErrorMs: 5)]
        }
        fx.alerts.past.withLock { p in
            p = [
                firing,
                AlertStatusDTO(
                    rule: "cpu_high", machine: "mcrn", severity: .critical, state: .resolved,
                    sinceMs: 10, endedMs: 20),
            ]
        }
        try await fx.app().test(.router) { client in
            try await client.execute(uri: "/api/alerts", method: .get) { response in
                let body = try response.body.json()
                let alerts = try #require(body["alerts"] as? [[String: Any]])
                #expect(alerts.count == 1)
                #expect(alerts.first?["threshold"] as? Double == 80)
                let channels = try #require(body["channels"] as? [[String: Any]])
                #expect(channels.first?["name"] as? String == "ops" && channels.first?["queued"] as? Int == 2)
                #expect(channels.first?["lastError"] as? String == "cannot resolve hooks.example.com")
            }
            try await client.execute(uri: "/api/alerts/history?limit=1", method: .get) { response in
                let body = try response.body.json()
                #expect((body["alerts"] as? [Any])?.count == 1)
            }
        }
    }

    @Test func alertsAreEmptyWithoutAnEvaluator() async throws {
        try await GatewayFixture(alerts: false).app().test(.router) { client in
            try await client.execute(uri: "/api/alerts", method: .get) { response in
                let body = try response.body.json()
                #expect(response.status == .ok)
                #expect((body["alerts"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test func healthzReportsVersionHashAndUptime() async throws {
        let fx = GatewayFixture()
        try await fx.app().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                let body = try response.body.json()
                #expect(body["status"] as? String == "ok")
                #expect(body["version"] as? String == "0.1.0-test")
                #expect(body["specHash"] as? String == GatewayFixture.specHash)
                #expect((body["uptimeSeconds"] as? Double).map { $0 >= 0 } == true)
            }
            fx.spec.replace(fx.spec.current().spec, hash: "sha256:reloaded")
            try await client.execute(uri: "/healthz", method: .get) { response in
                let body = try response.body.json()
                #expect(body["specHash"] as? String == "sha256:reloaded")
            }
        }
    }

    @Test func plainGetOnWebSocketPathIsRefusedWithJSON() async throws {
        try await GatewayFixture().app().test(.router) { client in
            try await client.execute(uri: "/ws", method: .get) { #expect($0.status == .upgradeRequired) }
            try await client.execute(uri: "/ws", method: .get, headers: [.origin: "https://evil.example"]) { response in
                let body = try response.body.json()
                #expect(response.status == .forbidden)
                #expect((body["error"] as? String)?.contains("cross-site request from https://evil.example refused") == true)
            }
        }
    }
}
