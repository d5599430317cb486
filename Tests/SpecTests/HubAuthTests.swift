import Foundation
import Testing

@testable import Spec

/// `hub.auth`: login by default, `none` only when written (and warned about beyond loopback), users with roles.
@Suite struct HubAuthTests {
    static let hash = "scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g="

    static func load(hub: String, machines: String = "machines:\n  - id: mcrn\n    host: localhost\n") -> SpecLoadResult {
        SpecLoader.load(yaml: "version: 1\nname: test\nhub:\n\(hub)\n" + machines, file: "auth.yaml")
    }

    @Test func withoutTheKeyLoginIsRequiredAndNobodyIsDeclared() throws {
        let spec = try #require(SpecLoader.load(yaml: specYAML(), file: "auth.yaml").spec)
        #expect(spec.hub.auth == .login(users: []))
        #expect(spec.hub.auth.requiresLogin)
    }

    @Test func usersGetTheirRoleAndViewerByDefault() throws {
        let result = Self.load(hub: """
              auth:
                users:
                  - { name: alice, password_hash: "\(Self.hash)", role: admin }
                  - { name: bob, password_hash: "\(Self.hash)" }
            """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description))")
        let users = try #require(result.spec).hub.auth.users
        #expect(users.map(\.name) == ["alice", "bob"])
        #expect(users.map(\.role) == [.admin, .viewer])
        #expect(try #require(result.spec).hub.auth.summary == "login (alice admin, bob viewer)")
    }

    @Test(arguments: ["127.0.0.1", "localhost", "::1"])
    func noneOnLoopbackIsQuiet(_ bind: String) throws {
        let result = Self.load(hub: "  auth: none\n  bind: \"\(bind)\"")
        #expect(result.spec?.hub.auth == HubAuth.none)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description))")
    }

    @Test func noneBeyondLoopbackIsWarnedAtTheKey() throws {
        let result = Self.load(hub: "  bind: 0.0.0.0\n  auth: none")
        #expect(result.errors.isEmpty)
        let warning = try #require(result.warnings.first)
        #expect(result.warnings.count == 1)
        #expect(warning.path == "hub.auth" && warning.line == 5 && warning.column == 9)
        #expect(warning.message.contains("need no login, and the hub listens on 0.0.0.0"))
    }

    @Test func noneWithARemoteMachineListensEverywhereAndIsWarned() {
        let result = Self.load(
            hub: "  host: 192.168.1.20\n  auth: none", machines: "machines:\n  - id: nfrt\n    host: 192.168.1.11\n")
        #expect(result.warnings.map(\.path) == ["hub.auth"])
        #expect(result.warnings.first?.message.contains("every interface, because a remote machine exists") == true)
    }

    @Test func aHashRoundTripsThroughItsText() throws {
        let parsed = try PasswordHashText.parse(Self.hash).get()
        #expect(parsed.rounds == 32768 && parsed.blockSize == 8 && parsed.parallelism == 1)
        #expect(parsed.text == Self.hash)
    }

    @Test(arguments: [
        "", "hunter2", "bcrypt$32768$8$1$c2FsdHNhbHQ=$aGFzaA==", "scrypt$1000$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==",
        "scrypt$32768$99$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==", "scrypt$32768$8$1$!!$aGFzaGhhc2hoYXNoaGFzaA==",
        "scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA==",
    ])
    func malformedHashesAreRefusedWithoutEchoingThem(_ text: String) {
        guard case .failure(let problem) = PasswordHashText.parse(text) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(text.isEmpty || !problem.description.contains(text))
    }
}
