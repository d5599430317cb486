import Foundation
import Testing

@testable import Collector
@testable import SMSCore
@testable import Services
@testable import Spec

/// Containers and services from fixture trees of real cgroup layouts: cgroup v2 with Docker (systemd driver),
/// Podman, containerd under Kubernetes and systemd services; v1 on a hybrid machine with Docker's cgroupfs driver.
@Suite("CollectorSources.containers")
struct CollectorSourcesContainerTests {
    static let web = ["container": "web"]
    static let cache = ["container": "cache"]
    static let db = ["container": "db"]
    static let MiB = 1_048_576.0

    /// A fixture tree copied to a folder of the test's own, whose files tick2 overwrites in place (same inodes, as
    /// the kernel's files stay while their content changes).
    struct Tree {
        let fixture: String
        let dir: URL

        init(_ fixture: String) throws {
            self.fixture = fixture
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-cgroups-\(UUID().uuidString.prefix(8))")
            try FileManager.default.copyItem(atPath: ProcFixture.path("\(fixture)/tick1"), toPath: dir.path)
        }

        var rootfs: String { dir.path + "/rootfs" }

        func context(at seconds: Double) -> SourceContext {
            SourceContext(procRoot: dir.path + "/proc", sysRoot: dir.path + "/sys", monotonicSeconds: seconds, wallTimeMs: 0)
        }

        /// Writes every file of tick2 over tick1's, in place.
        func advance() throws {
            let tick2 = ProcFixture.path("\(fixture)/tick2")
            let files = FileManager.default.enumerator(atPath: tick2)!
            while let relative = files.nextObject() as? String {
                var isDirectory: ObjCBool = false
                let from = tick2 + "/" + relative
                guard FileManager.default.fileExists(atPath: from, isDirectory: &isDirectory), !isDirectory.boolValue
                else { continue }
                let handle = try #require(FileHandle(forWritingAtPath: dir.path + "/" + relative))
                try handle.truncate(atOffset: 0)
                try handle.write(contentsOf: try Data(contentsOf: URL(fileURLWithPath: from)))
                try handle.close()
            }
        }

        func remove() { try? FileManager.default.removeItem(at: dir) }
    }

    static func collect(_ source: ContainerSource, _ tree: Tree, at seconds: Double) throws -> Snapshot {
        var snapshot = Snapshot(timestampMs: 0, samples: [])
        try source.collect(into: &snapshot, context: tree.context(at: seconds))
        return snapshot
    }

    /// Two ticks 2 s apart: the first walks the tree, the second reads the kept files after tick2's changes.
    static func twoTicks(_ fixture: String, _ selection: ContainerSelection = .default) throws -> (ContainerSource, Snapshot, Snapshot) {
        let tree = try Tree(fixture)
        defer { tree.remove() }
        let source = ContainerSource(selection: selection, rootfs: tree.rootfs)
        let first = try collect(source, tree, at: 100)
        try tree.advance()
        let second = try collect(source, tree, at: 102)
        return (source, first, second)
    }

    @Test("cgroup v2: Docker, Podman and containerd containers by name, no systemd service unless asked")
    func v2ContainersByDefault() throws {
        let (source, first, second) = try Self.twoTicks("cgroup_v2_docker_systemd")
        let pod = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f1e2d3c.slice/cri-containerd-"
            + String(repeating: "e5", count: 32) + ".scope"
        #expect(Set(source.readNames) == ["cache", pod, "web"])
        // Rates need two readings; what is a level shows at once.
        #expect(first.sampled("container.cpu_percent", Self.web) == nil)
        #expect(first.sampled("container.memory_bytes", Self.web) == 192 * Self.MiB)
        #expect(ProcFixture.isClose(second.sampled("container.cpu_percent", Self.web), 100))
        #expect(second.sampled("container.cpu_throttled_percent", Self.web) == 0)
        #expect(second.sampled("container.memory_bytes", Self.web) == 192 * Self.MiB)
        // No limit: the machine's 8 GiB.
        #expect(second.sampled("container.memory_limit_bytes", Self.web) == 8192 * Self.MiB)
        #expect(second.sampled("container.memory_percent", Self.web) == 2.3438)  // 2.34375, to five digits
        #expect(ProcFixture.isClose(second.sampled("container.blkio_read_bytes_per_second", Self.web), 1 * Self.MiB))
        #expect(second.sampled("container.pids", Self.web) == 12)
        #expect(ProcFixture.isClose(second.sampled("container.cpu_percent", Self.cache), 25))
        #expect(ProcFixture.isClose(second.sampled("container.cpu_throttled_percent", Self.cache), 50))
        #expect(second.sampled("container.memory_limit_bytes", Self.cache) == 256 * Self.MiB)
        #expect(ProcFixture.isClose(second.sampled("container.memory_percent", Self.cache), 50))
        #expect(second.sampled("container.oom_kills", Self.cache) == 1)
        #expect(ProcFixture.isClose(second.sampled("container.blkio_write_bytes_per_second", Self.cache), 2048))
        #expect(second.sampled("container.memory_bytes", ["container": pod]) == 32 * Self.MiB)
        // Nothing of the services, the slices, the conmon scope or the user's session.
        #expect(second.samples.allSatisfy { $0.series.labels["container"] != nil })
        #expect(Set(second.samples.compactMap { $0.series.labels["container"] }) == ["cache", pod, "web"])
        // No network namespace in a fixture: no traffic series rather than the machine's.
        #expect(!second.sampledMetrics.contains("container.net_rx_bytes_per_second"))
    }

    @Test("services: true adds every systemd service, labelled service=UNIT")
    func servicesWhenAsked() throws {
        let (source, _, second) = try Self.twoTicks("cgroup_v2_docker_systemd", ContainerSelection(services: true))
        #expect(source.readNames.contains("nginx.service") && source.readNames.contains("docker.service"))
        #expect(ProcFixture.isClose(second.sampled("container.cpu_percent", ["service": "nginx.service"]), 5))
        #expect(second.sampled("container.memory_bytes", ["service": "nginx.service"]) == 20 * Self.MiB)
        #expect(second.sampled("container.cpu_percent", ["container": "nginx.service"]) == nil)
    }

    @Test("include picks by name or by cgroup path, exclude wins, max bounds the count and says so once")
    func selection() throws {
        let (named, _, _) = try Self.twoTicks("cgroup_v2_docker_systemd", ContainerSelection(include: ["nginx.service", "we*"]))
        #expect(Set(named.readNames) == ["nginx.service", "web"])
        let (byPath, _, _) = try Self.twoTicks(
            "cgroup_v2_docker_systemd", ContainerSelection(include: ["/user.slice/*/session-*.scope"]))
        #expect(byPath.readNames == ["/user.slice/user-1000.slice/session-2.scope"])
        let (excluded, _, _) = try Self.twoTicks("cgroup_v2_docker_systemd", ContainerSelection(exclude: ["/kubepods.slice/*", "cache"]))
        #expect(excluded.readNames == ["web"])
        let (bounded, _, second) = try Self.twoTicks("cgroup_v2_docker_systemd", ContainerSelection(max: 2))
        #expect(bounded.readNames.count == 2)
        #expect(Set(second.samples.compactMap { $0.series.labels["container"] }).count == 2)
        let problems = bounded.takeProblems()
        #expect(problems.count == 1 && problems[0].contains("3 containers and services are selected; only 2 are read"), "\(problems)")
    }

    @Test("cgroup v1 (hybrid): Docker's cgroupfs driver, named from config.v2.json, else by cgroup path")
    func v1Hybrid() throws {
        let (source, _, second) = try Self.twoTicks("cgroup_v1_hybrid_docker")
        let unnamed = "/docker/" + String(repeating: "b2", count: 32)
        #expect(Set(source.readNames) == ["db", unnamed])
        #expect(ProcFixture.isClose(second.sampled("container.cpu_percent", Self.db), 75))
        #expect(ProcFixture.isClose(second.sampled("container.cpu_throttled_percent", Self.db), 20))
        #expect(second.sampled("container.memory_bytes", Self.db) == 256 * Self.MiB)
        #expect(second.sampled("container.memory_limit_bytes", Self.db) == 512 * Self.MiB)
        #expect(ProcFixture.isClose(second.sampled("container.memory_percent", Self.db), 50))
        #expect(second.sampled("container.oom_kills", Self.db) == 2)
        #expect(ProcFixture.isClose(second.sampled("container.blkio_read_bytes_per_second", Self.db), 2_000_000))
        #expect(ProcFixture.isClose(second.sampled("container.blkio_write_bytes_per_second", Self.db), 500_000))
        #expect(second.sampled("container.pids", Self.db) == 7)
        #expect(second.sampled("container.memory_limit_bytes", ["container": unnamed]) == 8192 * Self.MiB)
        #expect(second.sampled("container.memory_bytes", ["container": unnamed]) == 4 * Self.MiB)
    }

    @Test("a container that goes away stops being reported, and a new one shows up, without a restart")
    func containersComeAndGo() throws {
        let tree = try Tree("cgroup_v2_docker_systemd")
        defer { tree.remove() }
        let source = ContainerSource(rootfs: tree.rootfs)
        _ = try Self.collect(source, tree, at: 100)
        let web = tree.dir.path + "/sys/fs/cgroup/system.slice/docker-" + String(repeating: "c3", count: 32) + ".scope"
        let moved = tree.dir.path + "/sys/fs/cgroup/system.slice/docker-" + String(repeating: "f6", count: 32) + ".scope"
        try FileManager.default.moveItem(atPath: web, toPath: moved)
        let after = try Self.collect(source, tree, at: 103)
        #expect(after.sampled("container.memory_bytes", Self.web) == nil)
        let newcomer = "/system.slice/docker-" + String(repeating: "f6", count: 32) + ".scope"
        #expect(after.sampled("container.memory_bytes", ["container": newcomer]) == 192 * Self.MiB)
        #expect(!source.readNames.contains("web") && source.readNames.contains(newcomer))
    }

    @Test("a machine without cgroups reports nothing and does not fail")
    func noCgroups() throws {
        let source = ContainerSource()
        var snapshot = Snapshot(timestampMs: 0, samples: [])
        try source.collect(into: &snapshot, context: ProcFixture.context("ticks/tick1", sys: "ticks/tick1"))
        #expect(snapshot.samples.isEmpty && source.readNames.isEmpty)
    }

    @Test("cgroup folder names tell containers of each runtime and services from the rest")
    func kinds() {
        let id = String(repeating: "0a", count: 32)
        #expect(CgroupKind.of("docker-\(id).scope") == .container(id: id))
        #expect(CgroupKind.of(id) == .container(id: id))
        #expect(CgroupKind.of("libpod-\(id)") == .container(id: id))
        #expect(CgroupKind.of("cri-containerd-\(id).scope") == .container(id: id))
        #expect(CgroupKind.of("crio-\(id).scope") == .container(id: id))
        #expect(CgroupKind.of("libpod-conmon-\(id).scope") == .other)
        #expect(CgroupKind.of("docker-\(id.prefix(12)).scope") == .other)
        #expect(CgroupKind.of("nginx.service") == .service(unit: "nginx.service"))
        #expect(CgroupKind.of("system.slice") == .other)
    }
}
