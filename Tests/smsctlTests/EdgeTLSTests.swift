import Foundation
import Testing
import TestSupport

/// A real edge serving HTTPS/WSS with a certificate of one's own CA, and real hubs pushing to it over `wss://`:
/// the push is verified against `edges[].ca`; without it (the system's roots) it is refused.
@Suite("Edge over wss://", .serialized)
struct EdgeTLSTests {
    @Test("a hub pushes to a wss:// edge verified with edges[].ca; without it the edge's certificate is refused and nothing is pushed")
    func pushOverVerifiedTLS() async throws {
        let edgePort = try freePort()
        let token = "edge-token-\(UUID().uuidString.prefix(12))"
        let certDir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-edge-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: certDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: certDir) }
        let cert = certDir.appendingPathComponent("edge.pem").path, key = certDir.appendingPathComponent("edge.key").path
        let made = try runTool("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                                "-days", "2", "-subj", "/CN=edge", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                                                "-keyout", key, "-out", cert])
        try #require(made.status == 0, "\(made.output)")
        let edge = try SMSProcess(
            ["run", "edge", "--listen", "127.0.0.1:\(edgePort)", "--token-env", "EDGE_TOKEN", "--tls-cert", cert, "--tls-key", key],
            log: certDir.appendingPathComponent("edge.log"), environment: ["EDGE_TOKEN": token])
        defer { edge.crash() }
        #expect(await waitFor(timeout: .seconds(20)) {
            try await offPool { try RawHTTP.request("GET", port: edgePort, "/healthz", ca: cert) }.status == 200
        })

        // Without `ca`: the system's roots do not know the edge's CA, so the gateway refuses its certificate.
        let untrusted = try hub(edgePort: edgePort, token: token, ca: nil)
        defer { untrusted.deployment.remove() }
        #expect(await waitFor(timeout: .seconds(30)) {
            untrusted.hub.output.contains("the edge's certificate is not trusted") && untrusted.hub.output.contains("edges[].ca")
        }, "the hub did not report the edge's certificate as untrusted:\n\(untrusted.hub.output)")
        #expect(try await machineIDs(edgePort: edgePort, ca: cert).isEmpty, "something was pushed over an unverified connection")
        untrusted.hub.crash()
        untrusted.collector.crash()

        // With `ca`: verified, pushed; the edge shows the machine, read over HTTPS verified with the same CA.
        let trusted = try hub(edgePort: edgePort, token: token, ca: cert)
        defer { trusted.deployment.remove(); trusted.hub.crash(); trusted.collector.crash() }
        let shown = await waitFor(timeout: .seconds(40)) { try await machineIDs(edgePort: edgePort, ca: cert, withData: true) == ["box"] }
        #expect(shown, "the edge does not show the pushed machine:\n\(trusted.hub.output)\n\(edge.output)")
        #expect(trusted.hub.output.contains("pushing to edge"), "\(trusted.hub.output)")
    }

    /// A hub with one local machine (its collector running) and one edge at `wss://localhost:PORT/ws`.
    func hub(edgePort: Int, token: String, ca: String?) throws -> (deployment: TempDeployment, hub: SMSProcess, collector: SMSProcess) {
        let d = try TempDeployment(machines: ["box"], extra: """
            edges:
              - name: public
                url: wss://localhost:\(edgePort)/ws
                token: ${EDGE_TOKEN}
                machines: [box]
            \(ca.map { "    ca: \($0)\n" } ?? "")
            """)
        let hub = try SMSProcess(["run", "hub", "--spec", d.spec.path, "--bind", "127.0.0.1"], log: d.log("hub"),
                                 environment: ["EDGE_TOKEN": token])
        let collector = try SMSProcess(["run", "collector", "--spec", d.spec.path, "--machine", "box"], log: d.log("collector-box"),
                                       environment: ["EDGE_TOKEN": token])
        return (d, hub, collector)
    }

    /// The machine ids the edge's public API lists (with `withData`, only those with a sample).
    func machineIDs(edgePort: Int, ca: String, withData: Bool = false) async throws -> [String] {
        let answer = try await offPool { try RawHTTP.request("GET", port: edgePort, "/api/machines", ca: ca) }
        return ((answer.json()["machines"] as? [[String: Any]]) ?? [])
            .filter { !withData || $0["lastSampleMs"] is NSNumber }
            .compactMap { $0["id"] as? String }
    }
}
