import Foundation
import Testing
import TestSupport

/// `hub.tls` left out: the first apply generates a CA and the hub's certificate, the gRPC port speaks only TLS,
/// collectors verify the hub against that CA, and apply renews the certificate before it expires with no sample
/// lost. Checked with openssl and the real collector, as a user would.
@Suite("TLS by default", .serialized)
struct TLSDefaultTests {
    @Test("apply generates the CA; gRPC and the dashboard speak only TLS, the API needs a login; a collector without the CA or with another is refused; a certificate near expiry is renewed by apply without a lost sample")
    func tlsByDefault() async throws {
        let d = try ControllerDeployment()
        defer { d.cleanUp() }
        try d.write(d.yaml())
        let first = try await offPool { try d.run(["apply", d.spec.path, "--yes"]) }
        #expect(first.status == 0, "apply failed:\n\(first.out)\n\(first.err)")
        #expect(first.out.contains("tls: generated a CA and the hub's certificate"), "\(first.out)")
        let ca = d.state.appendingPathComponent("tls/ca.pem").path
        let hubCert = d.state.appendingPathComponent("tls/hub.pem").path
        let caKey = d.state.appendingPathComponent("secrets/ca.key").path
        for key in [caKey, d.state.appendingPathComponent("secrets/hub.key").path] {
            let mode = (try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? NSNumber)?.intValue
            #expect(mode == 0o600, "\(key) has mode \(String(mode ?? 0, radix: 8))")
        }
        #expect(await waitFor(timeout: .seconds(30)) { try await offPool { d.historyTimes().count >= 3 } },
                "the local collector stores nothing over TLS")

        // The gRPC port: a TLS client that trusts the CA verifies the hub for 127.0.0.1 and localhost.
        for (check, name) in [("-verify_ip", "127.0.0.1"), ("-verify_hostname", "localhost")] {
            let verified = try await offPool { try openssl(["s_client", "-connect", "127.0.0.1:\(d.grpcPort)", "-CAfile", ca, "-verify_return_error",
                                        check, name, "-alpn", "h2", "-brief"]) }
            #expect(verified.status == 0 && verified.output.contains("Verification: OK"), "\(name): \(verified.output)")
        }
        // A plaintext HTTP/2 client (gRPC without TLS) gets a TLS alert or nothing, never an HTTP/2 SETTINGS frame.
        let plain = try await offPool { rawExchange(port: d.grpcPort, bytes: Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)) }
        #expect(plain.isEmpty || plain.first == 0x15, "the gRPC port answered plaintext: \(plain.prefix(16))")

        // The dashboard's port: HTTPS with the same CA; plain HTTP gets one line naming the https:// address and
        // nothing else; the API without a session answers 401, with the CLI's token 200.
        let https = try await offPool { try openssl(["s_client", "-connect", "127.0.0.1:\(d.httpPort)", "-CAfile", ca, "-verify_return_error",
                                 "-verify_ip", "127.0.0.1", "-brief"]) }
        #expect(https.status == 0 && https.output.contains("Verification: OK"), "\(https.output)")
        for path in ["/api/machines", "/", "/healthz"] {
            let answer = try await offPool {
                rawExchange(port: d.httpPort, bytes: Array("GET \(path) HTTP/1.1\r\nHost: localhost:\(d.httpPort)\r\n\r\n".utf8))
            }
            let plainHTTP = String(decoding: answer, as: UTF8.self)
            #expect(plainHTTP.hasPrefix("HTTP/1.1 400") && plainHTTP.contains("https://localhost:\(d.httpPort)\(path)")
                    && !plainHTTP.contains("{"), "plain HTTP to \(path): \(plainHTTP)")
        }
        #expect(try await offPool { try RawHTTP.request("GET", port: d.httpPort, "/api/machines", ca: ca) }.status == 401)
        #expect(try await offPool {
            try RawHTTP.request("GET", port: d.httpPort, "/ws", headers: [
                "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="], timeout: 5, ca: ca)
        }.status == 401)
        let apiToken = try String(contentsOfFile: d.state.appendingPathComponent("secrets/api.token").path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await offPool {
            try RawHTTP.request("GET", port: d.httpPort, "/api/machines", headers: ["Authorization": "Bearer \(apiToken)"], ca: ca)
        }.status == 200)
        let wrongCA = try await offPool { otherDirCA(d) }
        #expect(FileManager.default.fileExists(atPath: wrongCA), "openssl made no CA of its own")
        await #expect(throws: RawHTTP.Failure.self) {
            try await offPool { try RawHTTP.request("GET", port: d.httpPort, "/healthz", ca: wrongCA) }
        }
        let status = try await offPool { try d.run(["status", d.spec.path]) }
        // 0, or 3/4 when something is unhealthy or critical (a busy CI box trips the CPU alert): never "cannot reach".
        #expect([0, 3, 4].contains(status.status) && status.out.contains("https://localhost:\(d.httpPort)"),
                "\(status.status): \(status.out)\n\(status.err)")

        // A collector without the CA (plaintext) and one with another CA are refused; neither stores a sample.
        let token = d.state.appendingPathComponent("secrets/mcrn.token").path
        let otherDir = d.dir.appendingPathComponent("other")
        let otherCA = wrongCA
        for (label, extra) in [("no CA", [String]()), ("another CA", ["--tls-ca", otherCA])] {
            let buffer = otherDir.appendingPathComponent("buffer-\(extra.count)").path
            let run = try await offPool { try collect(["--hub", "127.0.0.1:\(d.grpcPort)", "--machine", "mcrn", "--token-file", token,
                                   "--buffer-dir", buffer] + extra) }
            #expect(run.contains("cannot stream to the hub") && !run.contains("streaming to the hub"), "\(label):\n\(run)")
        }

        // The hub's certificate has 10 days left (made here with the CA's key): apply renews it and restarts the
        // hub; the collector buffers meanwhile and replays, so every second is stored. Same names as apply's.
        let names = try await offPool { try openssl(["x509", "-in", hubCert, "-noout", "-ext", "subjectAltName"]) }.output
            .split(separator: "\n").dropFirst().joined().replacingOccurrences(of: "IP Address:", with: "IP:")
            .replacingOccurrences(of: " ", with: "")
        let sans = "subjectAltName=\(names)"
        let csrKey = otherDir.appendingPathComponent("short.key").path
        let csr = otherDir.appendingPathComponent("short.csr").path
        #expect(try await offPool { try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=sms hub",
                             "-keyout", csrKey, "-out", csr]) }.status == 0)
        let ext = otherDir.appendingPathComponent("ext.cnf")
        try sans.write(to: ext, atomically: true, encoding: .utf8)
        #expect(try await offPool { try openssl(["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-days", "10",
                             "-extfile", ext.path, "-out", hubCert]) }.status == 0)
        let hubBefore = d.pid("hub")
        let began = Int64(Date().timeIntervalSince1970 * 1000)
        let renew = try await offPool { try d.run(["apply", d.spec.path, "--yes"]) }
        let ended = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(renew.status == 0, "\(renew.out)\n\(renew.err)")
        #expect(renew.out.contains("tls: issued a new hub certificate (it expires on"), "\(renew.out)")
        #expect(d.pid("hub") != nil && d.pid("hub") != hubBefore, "the hub was not restarted with the new certificate")
        let days = try await offPool { try openssl(["x509", "-in", hubCert, "-noout", "-checkend", "\(300 * 86_400)"]) }
        #expect(days.status == 0, "the renewed certificate does not last a year: \(days.output)")
        let expected = Set(stride(from: (began / 1000 - 2) * 1000, through: (ended / 1000 + 2) * 1000, by: 1000))
        var times: [Int64] = []
        let complete = await waitFor(timeout: .seconds(30), every: .milliseconds(200)) {
            times = try await offPool { d.historyTimes() }
            return expected.isSubset(of: Set(times))
        }
        #expect(complete, "seconds lost around the renewal: \(expected.subtracting(times).sorted())")

        // Nothing left to do: the next apply changes nothing and keeps the certificate.
        let pem = try String(contentsOfFile: hubCert, encoding: .utf8)
        let again = try await offPool { try d.run(["apply", d.spec.path, "--yes"]) }
        #expect(again.status == 0 && again.out.contains("No changes"), "\(again.out)")
        #expect(try String(contentsOfFile: hubCert, encoding: .utf8) == pem)
    }

    /// A CA of its own in `other/` (made once): not the one the hub's certificate comes from.
    func otherDirCA(_ d: ControllerDeployment) -> String {
        let otherDir = d.dir.appendingPathComponent("other")
        let ca = otherDir.appendingPathComponent("ca.pem").path
        guard !FileManager.default.fileExists(atPath: ca) else { return ca }
        try? FileManager.default.createDirectory(at: otherDir, withIntermediateDirectories: true)
        _ = try? openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                          "-subj", "/CN=another CA", "-keyout", otherDir.appendingPathComponent("ca.key").path, "-out", ca])
        return ca
    }

    /// Runs the lean collector for 6 s (timeout ends it) and returns what it logged.
    func collect(_ arguments: [String]) throws -> String {
        try runTool("/usr/bin/timeout", ["6", SMSProcess.collectorBinary.path] + arguments).output
    }

    func openssl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runTool("/usr/bin/openssl", arguments)
    }

    /// Sends `bytes` to 127.0.0.1:`port` and returns the first bytes that come back within 2 s.
    func rawExchange(port: Int, bytes: [UInt8]) -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return [] }
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &chunk, chunk.count, 0)
        return n > 0 ? Array(chunk[0..<n]) : []
    }
}
