import Foundation
import Spec
import Testing

@testable import Controller
@testable import SMSCore

/// What apply plans for a managed machine from what it finds there: the logic under the fleet tests, including
/// `runtime: docker`, which no Docker engine on the test machines can run end to end.
@Suite("Remote.Plan")
struct RemotePlanTests {
    static func spec(_ machine: String) throws -> Spec {
        let yaml = """
            version: 1
            name: fleet
            hub: { host: 10.0.0.1 }
            machines:
              - { id: r1, host: 10.0.0.2, ssh: root@10.0.0.2, \(machine) }
            """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-rp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try yaml.write(to: dir.appendingPathComponent("s.yaml"), atomically: true, encoding: .utf8)
        let result = SpecLoader.load(file: dir.appendingPathComponent("s.yaml").path)
        guard let spec = result.spec, !result.hasErrors else { throw SpecError(diagnostics: result.diagnostics) }
        return spec
    }

    static func desired(_ spec: Spec) -> RemoteDesired {
        let machine = spec.machines[0]
        let binary = CollectorBinary(url: URL(fileURLWithPath: "/x"), sha256: "b2", version: "0.2.0", arch: "x86_64", bytes: 1)
        return RemoteDesired(
            machine: machine, access: machine.ssh!, layout: RemoteLayout(machine: "r1", prefix: "/usr/local"),
            flags: Renderer.collectorFlags(spec, machine), specName: spec.name, binary: binary, tokenFile: nil,
            tokenSHA: "t2", caFile: nil, caSHA: nil, reportedHash: spec.collectorConfigHash(machine))
    }

    @Test("ssh destinations: user@host, :port, [v6]:port; anything else is refused", arguments: [
        ("admin@192.168.1.11", "admin", "192.168.1.11", nil as Int?),
        ("192.168.1.11:2222", nil, "192.168.1.11", 2222),
        ("ops@[fd00::1]:22", "ops", "fd00::1", 22),
        ("nfrt.lan", nil, "nfrt.lan", nil),
    ])
    func destinations(text: String, user: String?, host: String, port: Int?) {
        let parsed = SSHAccess.parse(text)
        #expect(parsed?.user == user && parsed?.host == host && parsed?.port == port)
    }

    @Test("not destinations", arguments: ["@host", "host:ssh", "host:70000", "a b", "user@", "host/path"])
    func notDestinations(text: String) { #expect(SSHAccess.parse(text) == nil) }

    @Test("native: nothing there installs; another binary upgrades; other flags reconfigure with what changed")
    func nativeChanges() throws {
        let d = Self.desired(try Self.spec("interval: 5s"))
        var observed = RemoteObserved()
        #expect(RemoteChange.between(d, observed, record: nil).kind == .install)
        observed.binarySHA = "b1"
        observed.version = "0.1.0 (commit x)"
        observed.configSHA = d.configSHA(.loop)
        observed.tokenSHA = "t2"
        observed.runningPid = 42
        let upgrade = RemoteChange.between(d, observed, record: nil)
        #expect(upgrade.kind == .upgrade && upgrade.installBinary && !upgrade.writeConfig)
        observed.binarySHA = "b2"
        #expect(RemoteChange.between(d, observed, record: nil).kind == .none)
        observed.configSHA = "other"
        observed.flags = "--hub 10.0.0.1:50051 --machine r1 --interval 1s --buffer 1h --tls-ca /etc/sms/ca.pem"
        let reconfigure = RemoteChange.between(d, observed, record: nil)
        #expect(reconfigure.kind == .reconfigure && reconfigure.reasons == ["interval 1s → 5s"])
        observed.configSHA = d.configSHA(.loop)
        observed.runningPid = nil
        let restart = RemoteChange.between(d, observed, record: nil)
        #expect(restart.kind == .restart && restart.drift == ["the collector is not running"])
    }

    @Test("drift: a binary replaced by hand since the last apply is named and put back")
    func driftByHand() throws {
        let d = Self.desired(try Self.spec("interval: 5s"))
        var observed = RemoteObserved()
        (observed.binarySHA, observed.configSHA, observed.tokenSHA, observed.runningPid) = ("hand", d.configSHA(.loop), "t2", 7)
        let record = ManagedMachine(access: d.access, binarySHA: "b2", configSHA: d.configSHA(.loop), supervisor: .loop)
        let change = RemoteChange.between(d, observed, record: record)
        #expect(change.kind == .upgrade && change.drift == ["sms-collector was replaced on the machine since the last apply"])
    }

    @Test("runtime: docker runs the image's collector with the host's /proc and a read-only token; no token value")
    func dockerScript() throws {
        let spec = try Self.spec("runtime: docker, image: registry.example.com/sms:0.2.0")
        #expect(spec.machines[0].runtime == .docker(image: "registry.example.com/sms:0.2.0"))
        let d = Self.desired(spec)
        let script = d.config(.docker)
        #expect(script.contains("docker run -d --name sms-collector-r1 --restart unless-stopped --network host --pid host"))
        #expect(script.contains("-v /usr/local/etc/sms/r1.token:/run/secrets/sms-token:ro"))
        #expect(script.contains("--entrypoint /usr/local/bin/sms-collector registry.example.com/sms:0.2.0 --hub 10.0.0.1:50051 --machine r1"))
        #expect(script.contains("# sms-flags: --hub 10.0.0.1:50051 --machine r1"))
        var observed = RemoteObserved()
        observed.supervisor = .docker
        #expect(RemoteChange.between(d, observed, record: nil).kind == .install)
        (observed.configSHA, observed.tokenSHA, observed.runningPid) = (d.configSHA(.docker), "t2", 99)
        #expect(RemoteChange.between(d, observed, record: nil).kind == .none)
        let other = Self.desired(try Self.spec("runtime: docker, image: registry.example.com/sms:0.3.0"))
        #expect(RemoteChange.between(other, observed, record: nil).kind == .reconfigure)
    }

    @Test("image without runtime: docker is an error that says what to add")
    func imageWithoutDocker() {
        #expect(throws: SpecError.self) { try Self.spec("image: sms:latest") }
    }

    @Test("ssh's own failures say what to do", arguments: [
        ("Host key verification failed.", "ssh-keyscan 10.0.0.2 >> ~/.ssh/known_hosts"),
        ("root@10.0.0.2: Permission denied (publickey).", "ssh-copy-id root@10.0.0.2"),
        ("@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@", "ssh-keygen -R 10.0.0.2"),
    ])
    func sshErrors(stderr: String, hint: String) {
        #expect(SSHClient.explain(stderr, access: SSHAccess(user: "root", host: "10.0.0.2")).contains(hint))
    }
}
