import Foundation
import Services
import TestSupport
import Testing

/// Login on a real hub process: who gets 401, 403 and 429, what a session may do, and the CLI's bearer token.
/// These hubs say `tls: off`: the rate-limit tests pick the client's source address, which a TLS client run as a
/// tool cannot; HTTPS with login is the newcomer's path in LoginLinkTests and TLSDefaultTests.
@Suite("Login", .serialized)
struct LoginTests {
    static let alicePassword = "alice-correct-horse"
    static let bobPassword = "bob-battery-staple"

    /// A hash from the real `smsctl passwd`, reading the password from standard input (not a terminal).
    static func passwd(_ password: String, _ arguments: [String] = []) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = SMSProcess.binary
        process.arguments = ["passwd"] + arguments
        let input = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        try process.run()
        input.fileHandleForWriting.write(Data((password + "\n").utf8))
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    static func hash(_ password: String) throws -> String {
        try passwd(password).out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A hub whose spec declares alice (admin) and bob (viewer).
    static func hubWithUsers() async throws -> (TempDeployment, SMSProcess) {
        let alice = try hash(alicePassword), bob = try hash(bobPassword)
        let d = try TempDeployment(
            machines: ["mcrn"],
            hub: ", tls: off, auth: { users: [ { name: alice, password_hash: \"\(alice)\", role: admin }, { name: bob, password_hash: \"\(bob)\" } ] }")
        let hub = try d.startHub()
        let up = await waitFor(timeout: .seconds(30)) { (try? RawHTTP.request("GET", port: d.httpPort, "/healthz"))?.status == 200 }
        #expect(up, "\(d.logTails())")
        return (d, hub)
    }

    static func login(_ d: TempDeployment, _ name: String, _ password: String, from: String? = nil) throws -> RawHTTP.Response {
        try RawHTTP.json("POST", port: d.httpPort, "/api/login", ["name": name, "password": password], from: from)
    }

    /// Logs in; returns the Cookie header value and the CSRF token.
    static func session(_ d: TempDeployment, _ name: String, _ password: String) throws -> (cookie: String, csrf: String) {
        let answer = try login(d, name, password)
        let cookie = try #require(answer.setCookie(prefix: "sms_session_\(d.httpPort)="), "\(answer.status) \(answer.text)")
        let csrf = try #require(answer.json()["csrf"] as? String)
        return ("sms_session_\(d.httpPort)=\(cookie.value)", csrf)
    }

    static let upgrade = ["Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                          "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="]

    @Test("passwd prints a hash that verifies the password and no other, and never the password")
    func passwdHashVerifies() throws {
        let result = try Self.passwd("s3cret-enough", ["--name", "carol", "--role", "admin"])
        #expect(result.status == 0, "\(result.err)")
        #expect(!result.out.contains("s3cret-enough") && !result.err.contains("s3cret-enough"))
        #expect(result.out.hasPrefix("- { name: carol, password_hash: \"scrypt$32768$8$1$") && result.out.contains("role: admin }"))
        let hash = try #require(result.out.split(separator: "\"").dropFirst().first.map(String.init))
        #expect(PasswordHasher.verify("s3cret-enough", against: hash))
        for wrong in ["s3cret-enougH", "s3cret-enough ", "", "s3cret"] { #expect(!PasswordHasher.verify(wrong, against: hash)) }
        let short = try Self.passwd("short")
        #expect(short.status == 1 && short.out.isEmpty && short.err.contains("at least 8 characters"))
        #expect(try Self.passwd("x", ["--help"]).out.contains("without showing it"))
    }

    @Test("without a session, with a bad or stale cookie or a wrong bearer: 401 on the API, /metrics and /ws")
    func unauthenticatedIsRefused() async throws {
        let (d, hub) = try await Self.hubWithUsers()
        defer { d.remove() }
        let stale = try Self.session(d, "bob", Self.bobPassword)
        _ = try RawHTTP.request("POST", port: d.httpPort, "/api/logout", headers: ["Cookie": stale.cookie, "X-CSRF-Token": stale.csrf])
        let credentials: [(String, [String: String])] = [
            ("nothing", [:]),
            ("an unknown cookie", ["Cookie": "sms_session_\(d.httpPort)=\(String(repeating: "ab", count: 32))"]),
            ("a logged-out session", ["Cookie": stale.cookie]),
            ("a wrong bearer", ["Authorization": "Bearer not-the-token"]),
            ("another scheme", ["Authorization": "Basic \(Data("alice:\(Self.alicePassword)".utf8).base64EncodedString())"]),
            ("a wrong bearer beside a good cookie", ["Authorization": "Bearer nope", "Cookie": try Self.session(d, "alice", Self.alicePassword).cookie]),
        ]
        let paths = ["/api/machines", "/api/machines/mcrn", "/api/alerts", "/api/alerts/history", "/api/session",
                     "/api/silences", "/api/acks", "/api/history?machine=mcrn&metric=cpu.usage_percent&from=-5m", "/metrics", "//api/machines", "/API/alerts"]
        for (what, headers) in credentials {
            for path in paths {
                let answer = try RawHTTP.request("GET", port: d.httpPort, path, headers: headers)
                #expect(answer.status == 401, "\(what) GET \(path): \(answer.status) \(answer.text)")
                #expect(answer.json()["error"] != nil, "\(what) GET \(path): \(answer.text)")
            }
            let ws = try RawHTTP.request("GET", port: d.httpPort, "/ws", headers: headers.merging(Self.upgrade) { a, _ in a }, timeout: 3)
            #expect(ws.status == 401, "\(what) /ws: \(ws.status)")
            let write = try RawHTTP.json("POST", port: d.httpPort, "/api/silences", ["rule": "machine_down", "for": "1h", "reason": "x"], headers: headers)
            #expect(write.status == 401, "\(what) POST: \(write.status)")
        }
        // What stays open: the dashboard's files, /healthz and the login page.
        for path in ["/", "/index.html", "/js/app.js", "/js/session.js", "/css/app.css", "/healthz"] {
            #expect(try RawHTTP.request("GET", port: d.httpPort, path).status == 200, "\(path)")
        }
        #expect(try RawHTTP.request("GET", port: d.httpPort, "/login").status == 303)
        await hub.stop()
    }

    @Test("a session reads everything and opens /ws; writes need admin and, with a cookie, the CSRF token; the bearer writes without one")
    func sessionsRolesAndCSRF() async throws {
        let (d, hub) = try await Self.hubWithUsers()
        defer { d.remove() }
        let answer = try Self.login(d, "alice", Self.alicePassword)
        #expect(answer.status == 200 && answer.json()["user"] as? String == "alice" && answer.json()["role"] as? String == "admin")
        let attributes = try #require(answer.setCookie(prefix: "sms_session_\(d.httpPort)=")).attributes
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] { #expect(attributes.contains(attribute), "\(attributes)") }
        #expect(!attributes.contains("Secure"), "plain HTTP: no Secure attribute")
        let alice = try Self.session(d, "alice", Self.alicePassword)
        let bob = try Self.session(d, "bob", Self.bobPassword)
        for (who, session) in [("alice", alice), ("bob", bob)] {
            for path in ["/api/machines", "/api/alerts", "/api/silences", "/metrics"] {
                #expect(try RawHTTP.request("GET", port: d.httpPort, path, headers: ["Cookie": session.cookie]).status == 200, "\(who) \(path)")
            }
            let me = try RawHTTP.request("GET", port: d.httpPort, "/api/session", headers: ["Cookie": session.cookie]).json()
            #expect(me["user"] as? String == who && me["csrf"] as? String == session.csrf)
            let ws = try RawHTTP.request("GET", port: d.httpPort, "/ws", headers: Self.upgrade.merging(["Cookie": session.cookie]) { a, _ in a }, timeout: 2)
            #expect(ws.status == 101, "\(who) /ws: \(ws.status)")
        }
        let silence: [String: Any] = ["machine": "mcrn", "for": "1h", "reason": "maintenance"]
        let csrfCases: [(String, [String: String], Int)] = [
            ("admin, no CSRF header", ["Cookie": alice.cookie], 403),
            ("admin, another session's CSRF", ["Cookie": alice.cookie, "X-CSRF-Token": bob.csrf], 403),
            ("admin, empty CSRF", ["Cookie": alice.cookie, "X-CSRF-Token": ""], 403),
            ("viewer with its CSRF", ["Cookie": bob.cookie, "X-CSRF-Token": bob.csrf], 403),
            ("viewer without CSRF", ["Cookie": bob.cookie], 403),
            ("admin with its CSRF", ["Cookie": alice.cookie, "X-CSRF-Token": alice.csrf], 201),
            ("the CLI's bearer", ["Authorization": "Bearer \(TempDeployment.apiToken)"], 201),
        ]
        var created: [String] = []
        for (what, headers, status) in csrfCases {
            let result = try RawHTTP.json("POST", port: d.httpPort, "/api/silences", silence, headers: headers)
            #expect(result.status == status, "\(what): \(result.status) \(result.text)")
            if status == 403 { #expect(result.json()["error"] != nil) }
            if let id = result.json()["id"] as? String { created.append(id) }
        }
        #expect(created.count == 2)
        let viewerDelete = try RawHTTP.request("DELETE", port: d.httpPort, "/api/silences/\(created[0])", headers: ["Cookie": bob.cookie, "X-CSRF-Token": bob.csrf])
        #expect(viewerDelete.status == 403 && viewerDelete.text.contains("bob is a viewer"))
        let adminDelete = try RawHTTP.request("DELETE", port: d.httpPort, "/api/silences/\(created[0])", headers: ["Cookie": alice.cookie, "X-CSRF-Token": alice.csrf])
        #expect(adminDelete.status == 200)
        // Acknowledging: a viewer is refused; nothing fires on this hub (no collector), so an admin gets 409 with
        // what is wrong; a malformed body 400; an unknown id 404.
        let ack: [String: Any] = ["machine": "mcrn", "rule": "machine_down", "comment": "looking"]
        let viewerAck = try RawHTTP.json("POST", port: d.httpPort, "/api/acks", ack, headers: ["Cookie": bob.cookie, "X-CSRF-Token": bob.csrf])
        #expect(viewerAck.status == 403, "\(viewerAck.status) \(viewerAck.text)")
        let admin = ["Cookie": alice.cookie, "X-CSRF-Token": alice.csrf]
        let notFiring = try RawHTTP.json("POST", port: d.httpPort, "/api/acks", ack, headers: admin)
        #expect(notFiring.status == 409 && notFiring.json()["error"] as? String == "machine_down on mcrn is not firing; only a firing alert can be acknowledged", "\(notFiring.text)")
        let malformed = try RawHTTP.json("POST", port: d.httpPort, "/api/acks", ["rule": 5], headers: admin)
        #expect(malformed.status == 400, "\(malformed.text)")
        #expect(try RawHTTP.request("DELETE", port: d.httpPort, "/api/acks/nosuchid", headers: admin).status == 404)
        #expect(try RawHTTP.request("GET", port: d.httpPort, "/api/acks", headers: ["Cookie": bob.cookie]).json()["acknowledgements"] as? [Any] != nil)
        // A viewer may log itself out (with its CSRF token); the cookie is then worthless.
        #expect(try RawHTTP.request("POST", port: d.httpPort, "/api/logout", headers: ["Cookie": bob.cookie, "X-CSRF-Token": bob.csrf]).status == 200)
        #expect(try RawHTTP.request("GET", port: d.httpPort, "/api/machines", headers: ["Cookie": bob.cookie]).status == 401)
        // Secrets stay out of the hub's log.
        #expect(!hub.output.contains(TempDeployment.apiToken) && !hub.output.contains(Self.alicePassword) && !hub.output.contains(alice.csrf))
        await hub.stop()
    }

    @Test("failed logins are throttled per address and per name (429 with Retry-After); others still log in")
    func loginsAreRateLimited() async throws {
        let (d, hub) = try await Self.hubWithUsers()
        defer { d.remove() }
        for attempt in 1...5 {
            let wrong = try Self.login(d, "alice", "wrong-\(attempt)", from: "127.0.0.3")
            #expect(wrong.status == 401 && wrong.json()["error"] as? String == "wrong name or password")
        }
        // Blocked now: this address (for any name), and this name (from any address), even with the right password.
        for (name, password, from) in [("alice", Self.alicePassword, "127.0.0.3"), ("bob", Self.bobPassword, "127.0.0.3"),
                                       ("alice", Self.alicePassword, "127.0.0.4")] {
            let refused = try Self.login(d, name, password, from: from)
            #expect(refused.status == 429, "\(name) from \(from): \(refused.status)")
            let retry = Int(refused.headers["retry-after"] ?? "") ?? 0
            #expect((1...30).contains(retry), "Retry-After \(refused.headers["retry-after"] ?? "none")")
        }
        // Another name from another address is not held up; an unknown name counts like a wrong password.
        #expect(try Self.login(d, "bob", Self.bobPassword, from: "127.0.0.5").status == 200)
        for _ in 1...5 { #expect(try Self.login(d, "mallory", "guess", from: "127.0.0.6").status == 401) }
        #expect(try Self.login(d, "mallory", "guess", from: "127.0.0.7").status == 429)
        let metrics = try RawHTTP.request("GET", port: d.httpPort, "/metrics", headers: ["Authorization": "Bearer \(TempDeployment.apiToken)"]).text
        func count(_ result: String) -> Double {
            metrics.split(separator: "\n").first { $0.hasPrefix("sms_gateway_login_attempts_total{result=\"\(result)\"}") }
                .flatMap { Double($0.split(separator: " ").last ?? "") } ?? -1
        }
        #expect(count("failure") == 10 && count("throttled") == 4 && count("success") == 1, "\(metrics)")
        await hub.stop()
    }

    @Test("hub.auth: none serves the API, /metrics and /ws to anyone, as before")
    func authNoneServesAsBefore() async throws {
        let d = try TempDeployment(machines: ["mcrn"], hub: ", tls: off, auth: none")
        defer { d.remove() }
        let hub = try d.startHub()
        #expect(await waitFor(timeout: .seconds(30)) { (try? RawHTTP.request("GET", port: d.httpPort, "/healthz"))?.status == 200 })
        for path in ["/api/machines", "/api/alerts", "/api/silences", "/metrics", "/api/session"] {
            #expect(try RawHTTP.request("GET", port: d.httpPort, path).status == 200, "\(path)")
        }
        #expect(try RawHTTP.request("GET", port: d.httpPort, "/api/session").json()["auth"] as? String == "none")
        #expect(try RawHTTP.request("GET", port: d.httpPort, "/ws", headers: Self.upgrade, timeout: 2).status == 101)
        let write = try RawHTTP.json("POST", port: d.httpPort, "/api/silences", ["rule": "machine_down", "for": "10m", "reason": "test"])
        #expect(write.status == 201, "\(write.text)")
        await hub.stop()
    }
}
