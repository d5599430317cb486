import Controller
import Foundation
import SMSCore
import TestSupport
import Testing

/// The newcomer's path: the first apply prints a one-time admin link; it works once, asks for a password, and the
/// CLI keeps working through its bearer token.
@Suite("Login link", .serialized)
struct LoginLinkTests {
    @Test("apply prints a one-time link that logs in once; the admin sets a password; status uses the bearer token")
    func oneTimeLinkThenPassword() async throws {
        let d = try ControllerDeployment()
        defer { d.cleanUp() }
        try d.write(d.yaml())
        let applied = try await offPool { try d.run(["apply", d.spec.path]) }
        #expect(applied.status == 0, "\(applied.out)\n\(applied.err)")
        let line = try #require(applied.out.split(separator: "\n").first { $0.contains("/login?once=") }, "\(applied.out)")
        #expect(line.contains("https://localhost:\(d.httpPort)/login?once="))
        // The newcomer's hub speaks HTTPS with the certificate of the CA apply generated.
        let ca = d.state.appendingPathComponent("tls/ca.pem").path
        let path = String(line[line.range(of: "/login?once=")!.lowerBound...]).trimmingCharacters(in: .whitespaces)
        let state = StateDirectory(url: d.state)
        let token = try #require(HubSecrets.apiToken(state: state))
        for file in [state.apiTokenFile, state.loginLinkFile] {
            let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file.lastPathComponent): \(String(mode ?? 0, radix: 8))")
        }
        #expect(!applied.out.contains(token) && !applied.err.contains(token))

        // The CLI keeps working: status reads /api/machines with the bearer token.
        let status = try d.status()
        #expect((status.json["machines"] as? [[String: Any]])?.first?["id"] as? String == "mcrn", "\(status.json)")

        // The link logs in once, as admin; the second time it sends the browser to the login form.
        let first = try RawHTTP.request("GET", port: d.httpPort, path, ca: ca)
        #expect(first.status == 303 && first.headers["location"] == "/?welcome=1")
        let cookie = try #require(first.setCookie(prefix: "sms_session_\(d.httpPort)="))
        #expect(cookie.attributes.contains("Secure") && cookie.attributes.contains("HttpOnly"), "\(cookie.attributes)")
        let again = try RawHTTP.request("GET", port: d.httpPort, path, ca: ca)
        #expect(again.status == 303 && again.headers["location"] == "/?link=invalid" && again.setCookie(prefix: "sms_session") == nil)
        let forged = try RawHTTP.request("GET", port: d.httpPort, "/login?once=\(String(repeating: "0", count: 64))", ca: ca)
        #expect(forged.setCookie(prefix: "sms_session") == nil)

        let headers = ["Cookie": "sms_session_\(d.httpPort)=\(cookie.value)"]
        let me = try RawHTTP.request("GET", port: d.httpPort, "/api/session", headers: headers, ca: ca).json()
        #expect(me["user"] as? String == "admin" && me["role"] as? String == "admin" && me["mustSetPassword"] as? Bool == true)
        let csrf = try #require(me["csrf"] as? String)
        let weak = try RawHTTP.json("POST", port: d.httpPort, "/api/password", ["password": "short"], headers: headers.merging(["X-CSRF-Token": csrf]) { a, _ in a }, ca: ca)
        #expect(weak.status == 400)
        let set = try RawHTTP.json("POST", port: d.httpPort, "/api/password", ["password": "admin-new-password"], headers: headers.merging(["X-CSRF-Token": csrf]) { a, _ in a }, ca: ca)
        #expect(set.status == 200, "\(set.text)")
        let mode = try FileManager.default.attributesOfItem(atPath: state.adminPasswordFile.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try RawHTTP.request("GET", port: d.httpPort, "/api/session", headers: headers, ca: ca).json()["mustSetPassword"] as? Bool == false)
        let login = try RawHTTP.json("POST", port: d.httpPort, "/api/login", ["name": "admin", "password": "admin-new-password"], ca: ca)
        #expect(login.status == 200)
        #expect(try RawHTTP.json("POST", port: d.httpPort, "/api/login", ["name": "admin", "password": "wrong-password"], ca: ca).status == 401)

        // With a password set, apply prints no link any more; nothing it prints or logs holds a secret.
        let second = try await offPool { try d.run(["apply", d.spec.path]) }
        #expect(second.status == 0 && !second.out.contains("/login?once="), "\(second.out)")
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: state.logs.path)) ?? []
        for log in logs {
            let text = (try? String(contentsOf: state.logs.appendingPathComponent(log), encoding: .utf8)) ?? ""
            #expect(!text.contains(token) && !text.contains(cookie.value) && !text.contains("admin-new-password"), "\(log)")
        }
    }
}
