import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import SMSCore
@testable import Services
@testable import Spec

/// Login with an injected clock: sessions end at their expiry, back-off grows and ends, links expire.
@Suite("Gateway login (time injected)")
struct GatewayAuthTests {
    /// A clock a test moves by hand.
    final class ManualClock: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
        func read() -> Date { now.withLock { $0 } }
    }

    static func fixture(clock: ManualClock) throws -> (GatewayFixture, GatewayConfiguration, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-auth-\(UUID().uuidString.prefix(8))")
        let hash = try PasswordHasher.hash("viewer-password", rounds: 1024)
        var spec = Spec(name: "home", machines: GatewayFixture.machines)
        spec.hub.auth = .login(users: [HubUser(name: "vera", passwordHash: hash)])
        let fx = GatewayFixture(spec: spec)
        let settings = GatewayAuthSettings(
            state: StateDirectory(url: dir), sessionLifetime: .seconds(3600), clock: { clock.read() })
        return (fx, GatewayConfiguration(auth: .spec(settings), host: "127.0.0.1", port: 0), dir)
    }

    static func login(_ client: some TestClientProtocol, _ password: String) async throws -> (HTTPResponse.Status, String?) {
        let body = ByteBuffer(string: "{\"name\":\"vera\",\"password\":\"\(password)\"}")
        return try await client.execute(uri: "/api/login", method: .post, body: body) { response in
            (response.status, response.headers[.setCookie]?.split(separator: ";").first.map(String.init))
        }
    }

    @Test func aSessionEndsAtItsExpiry() async throws {
        let clock = ManualClock()
        let (fx, configuration, dir) = try Self.fixture(clock: clock)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await fx.app(configuration).test(.router) { client in
            let (status, cookie) = try await Self.login(client, "viewer-password")
            #expect(status == .ok)
            let headers: HTTPFields = [.cookie: try #require(cookie)]
            try await client.execute(uri: "/api/machines", method: .get, headers: headers) { #expect($0.status == .ok) }
            clock.advance(3599)
            try await client.execute(uri: "/api/machines", method: .get, headers: headers) { #expect($0.status == .ok) }
            clock.advance(2)
            for uri in ["/api/machines", "/api/session", "/metrics"] {
                try await client.execute(uri: uri, method: .get, headers: headers) { #expect($0.status == .unauthorized, "\(uri)") }
            }
        }
    }

    @Test func backOffDoublesAndEnds() async throws {
        let clock = ManualClock()
        let (fx, configuration, dir) = try Self.fixture(clock: clock)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await fx.app(configuration).test(.router) { client in
            for _ in 1...5 { #expect(try await Self.login(client, "wrong").0 == .unauthorized) }
            try await client.execute(uri: "/api/login", method: .post, body: ByteBuffer(string: "{\"name\":\"vera\",\"password\":\"viewer-password\"}")) {
                #expect($0.status == .tooManyRequests)
                #expect($0.headers[.retryAfter] == "30")
            }
            clock.advance(31)
            // One more failure after the first wait: twice as long.
            #expect(try await Self.login(client, "wrong").0 == .unauthorized)
            try await client.execute(uri: "/api/login", method: .post, body: ByteBuffer(string: "{\"name\":\"vera\",\"password\":\"x\"}")) {
                #expect($0.headers[.retryAfter] == "60")
            }
            clock.advance(61)
            #expect(try await Self.login(client, "viewer-password").0 == .ok)
        }
    }

    @Test func aLinkExpiresAndWorksOnce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-link-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = StateDirectory(url: dir)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let link = try #require(try HubSecrets.ensureLoginLink(state: state, now: start))
        #expect(try HubSecrets.ensureLoginLink(state: state, now: start.addingTimeInterval(60)) == link, "reused while valid")
        #expect(!HubSecrets.consumeLoginLink(link.token, state: state, now: start.addingTimeInterval(24 * 3600 + 1)))
        #expect(!HubSecrets.consumeLoginLink(String(link.token.reversed()), state: state, now: start))
        #expect(HubSecrets.consumeLoginLink(link.token, state: state, now: start))
        #expect(!HubSecrets.consumeLoginLink(link.token, state: state, now: start))
        try HubSecrets.setAdminPasswordHash("scrypt$…", state: state)
        #expect(try HubSecrets.ensureLoginLink(state: state) == nil, "no link once the admin has a password")
    }
}
