import Foundation
import SMSCore
import Spec
import Synchronization

/// The machines apply manages over ssh: reads their state, plans per machine, and converges them in parallel
/// (at most `parallel` at once). One machine failing never stops the others; it is left as it was and reported.
public struct RemoteFleet: Sendable {
    public let spec: Spec
    /// The spec's file (absolute): relative paths in it (`hub.tls` files) are against its folder.
    public let specFile: String
    public let state: StateDirectory
    /// What the last apply installed, by machine id.
    public let recorded: [String: ManagedMachine]
    public let binaryURL: URL
    public let sshConfig: String?
    public var parallel = 8
    /// How long a started collector has to show up connected and delivering at the hub.
    public var deliveryDeadline: Duration = .seconds(30)
    public let log: FleetLog

    public init(
        spec: Spec, specFile: String, state: StateDirectory, recorded: [String: ManagedMachine], binaryURL: URL, sshConfig: String?,
        log: FleetLog
    ) {
        self.spec = spec
        self.specFile = specFile
        self.state = state
        self.recorded = recorded
        self.binaryURL = binaryURL
        self.sshConfig = sshConfig
        self.log = log
    }

    /// The managed machines of the spec.
    public var managed: [(Machine, SSHAccess)] { spec.machines.compactMap { m in m.ssh.map { (m, $0) } } }

    /// Machines the last apply managed that the spec no longer declares as managed.
    public var removed: [(String, ManagedMachine)] {
        let now = Set(managed.map(\.0.id))
        return recorded.filter { !now.contains($0.key) }.sorted { $0.key < $1.key }
    }

    var controlDirectory: URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("sms-ssh-\(getuid())")
    }

    func client(_ access: SSHAccess) -> SSHClient {
        SSHClient(access: access, configFile: sshConfig, controlDirectory: controlDirectory)
    }

    /// One machine's plan, with what apply needs to carry it out.
    public struct Planned: Sendable {
        public var change: RemoteChange
        public var desired: RemoteDesired?
        public var observed: RemoteObserved?
        public var error: String?
    }

    /// Reads every managed machine (in parallel) and compares it with the spec.
    public func plan(purge: Bool = false) async throws -> [Planned] {
        let machines = managed
        var jobs: [@Sendable () async -> Planned] = []
        if !machines.isEmpty {
            let binary = try CollectorBinary.load(binaryURL)
            for (machine, access) in machines {
                jobs.append { await planOne(machine, access, binary: binary) }
            }
        }
        for (id, record) in removed {
            jobs.append {
                var change = RemoteChange(machine: id, destination: record.access.description, kind: .remove)
                change.reasons = [purge ? "stop and uninstall its collector, delete its buffer" : "stop and uninstall its collector (its buffer is kept; --purge deletes it)"]
                return Planned(change: change)
            }
        }
        return await Self.bounded(jobs, parallel: parallel)
    }

    /// One managed machine: what should be there, what is, and the change between them.
    func planOne(_ machine: Machine, _ access: SSHAccess, binary: CollectorBinary) async -> Planned {
        var unreachable = RemoteChange(machine: machine.id, destination: access.description, kind: .unreachable)
        func refused(_ why: String, _ desired: RemoteDesired? = nil, _ observed: RemoteObserved? = nil) -> Planned {
            unreachable.reasons = [why]
            return Planned(change: unreachable, desired: desired, observed: observed, error: why)
        }
        do {
            let desired = try RemoteDesired.make(spec: spec, specFile: specFile, machine: machine, access: access, binary: binary, state: state)
            let docker = desired.runtime != .native
            let observed = try await RemoteProbe.observe(client(access), desired.layout, docker: docker)
            if docker, !observed.hasDocker {
                return refused("runtime: docker, but docker is not installed there; install it or use runtime: native", desired, observed)
            }
            if !docker, !observed.arch.isEmpty, observed.arch != binary.arch {
                return refused("the machine is \(observed.arch), this sms-collector is built for \(binary.arch)", desired, observed)
            }
            return Planned(change: RemoteChange.between(desired, observed, record: recorded[machine.id]), desired: desired, observed: observed)
        } catch {
            return refused("\(error)")
        }
    }

    /// Carries out the plan; returns each machine's outcome (`nil` error: done) and the records to keep.
    public func apply(_ planned: [Planned], hub: HubClient, purge: Bool) async -> [(Planned, String?, ManagedMachine?)] {
        let jobs: [@Sendable () async -> (Planned, String?, ManagedMachine?)] = planned.map { item in
            {
                do {
                    let record = try await converge(item, hub: hub, purge: purge)
                    return (item, nil, record)
                } catch {
                    log.failed(item.change.machine, "\(error)")
                    return (item, "\(error)", recorded[item.change.machine])
                }
            }
        }
        return await Self.bounded(jobs, parallel: parallel)
    }

    /// One machine to the spec: copy what differs, (re)start, then wait for its samples at the hub.
    func converge(_ item: Planned, hub: HubClient, purge: Bool) async throws -> ManagedMachine? {
        let change = item.change
        let id = change.machine
        if change.kind == .remove {
            guard let record = recorded[id] else { return nil }
            let layout = RemoteLayout(machine: id, prefix: record.access.prefix)
            log.step(id, "stopping and uninstalling the collector")
            let result = try await client(record.access).run(RemoteSteps.uninstall(layout, record.supervisor, purge: purge))
            guard result.status == 0 else { throw RemoteError("uninstall failed: \(Self.lastLine(result))") }
            log.done(id, "removed (\(purge ? "buffer deleted" : "buffer kept in \(layout.buffer)"))")
            return nil
        }
        if let error = item.error { throw RemoteError(error) }
        guard let desired = item.desired, let observed = item.observed else { return nil }
        let ssh = client(desired.access)
        let supervisor = observed.supervisor
        let record = ManagedMachine(
            access: desired.access, binarySHA: desired.binarySHA, configSHA: desired.configSHA(supervisor),
            supervisor: supervisor)
        if change.kind == .none {
            log.skipped(id, "no change (running pid \(observed.runningPid ?? 0))")
            return record
        }
        let began = ContinuousClock.now
        if change.installBinary {
            if let free = observed.freeKiB, free < desired.binary.bytes / 1024 + 1024 {
                throw RemoteError("not enough space in \(desired.layout.prefix) (\(free / 1024) MiB free, sms-collector needs \(desired.binary.bytes / 1_048_576 + 1) MiB)")
            }
            log.step(id, "copying sms-collector (\(desired.binary.bytes / 1_048_576) MiB)")
            try await step(ssh, RemoteSteps.installBinary(desired.layout, sha256: desired.binarySHA), input: desired.binary.url, "copy sms-collector")
        }
        if change.writeToken {
            guard let tokenFile = desired.tokenFile else {
                throw RemoteError("machine \(id) has no token yet (\(desired.machine.token)); apply generates it first")
            }
            defer { try? FileManager.default.removeItem(at: tokenFile) }
            log.step(id, "installing the token")
            try await step(ssh, RemoteSteps.writeFile(desired.layout.token, mode: "0600", umask: "077"), input: tokenFile, "install the token")
        }
        if change.writeCA, let caFile = desired.caFile {
            log.step(id, "installing the hub's CA")
            try await step(ssh, RemoteSteps.writeFile(desired.layout.ca, mode: "0644", umask: "022"), input: caFile, "install the CA")
        }
        if change.writeConfig {
            let file = state.run.appendingPathComponent("\(id).config.upload")
            try Data(desired.config(supervisor).utf8).write(to: file, options: .atomic)
            defer { try? FileManager.default.removeItem(at: file) }
            let path = desired.layout.configFile(supervisor)
            try await step(ssh, RemoteSteps.writeFile(path, mode: "0644", umask: "022"), input: file, "write the collector's settings")
        }
        if change.start {
            log.step(id, observed.runningPid == nil ? "starting the collector" : "restarting the collector")
            try await step(ssh, RemoteSteps.start(desired.layout, supervisor), input: nil, "start the collector")
        }
        log.step(id, "waiting for its samples at the hub")
        let delivering = await Poll.until(within: deliveryDeadline, every: .milliseconds(250)) { () -> Bool? in
            guard let fleet = hub.machines(timeout: 1),
                let m = fleet.machines.first(where: { $0.id == id }),
                HubClient.isStreaming(m, serverTimeMs: fleet.serverTimeMs), m.configHash == desired.reportedHash
            else { return nil }
            return true
        }
        guard delivering != nil else {
            let tail = try? await ssh.run(RemoteSteps.logs(desired.layout, supervisor) + " | tail -n 5", timeout: .seconds(10))
            throw RemoteError(
                "its collector runs but the hub has no samples from it after \(deliveryDeadline) (can \(desired.machine.id) reach "
                    + "hub.host \(spec.hub.host):\(spec.hub.grpcPort)?); its log ends: \(tail?.output.split(separator: "\n").last.map(String.init) ?? "(empty)")")
        }
        let what = supervisor == .docker ? "the collector's container" : "sms-collector \(desired.version.split(separator: " ").first ?? "")"
        log.done(id, "\(Self.verb(change.kind)) \(what); connected and delivering (\(ProgressLine.seconds(ContinuousClock.now - began)))")
        return record
    }

    /// Deletes the token copies made for upload (0600 files in the state directory's run/ folder).
    public func cleanUp() {
        for (machine, _) in managed {
            try? FileManager.default.removeItem(at: state.run.appendingPathComponent("\(machine.id).token.upload"))
        }
    }

    /// Ends the shared ssh connections of this run (they would otherwise linger for ControlPersist's minute).
    public func closeConnections() async {
        var seen = Set<String>()
        for access in managed.map(\.1) + recorded.values.map(\.access) where seen.insert(access.description).inserted {
            await client(access).close()
        }
    }

    func step(_ ssh: SSHClient, _ script: String, input: URL?, _ what: String) async throws {
        let result = try await ssh.run(script, input: input)
        guard result.status == 0 else { throw RemoteError("cannot \(what): \(Self.lastLine(result))") }
    }

    /// Stops the collectors of `ids` (without uninstalling them).
    public func stop(_ ids: [String]) async -> [(String, String?)] {
        let jobs: [@Sendable () async -> (String, String?)] = ids.map { id in
            {
                guard let record = recorded[id] else { return (id, "not a machine apply manages") }
                do {
                    let layout = RemoteLayout(machine: id, prefix: record.access.prefix)
                    let r = try await client(record.access).run(RemoteSteps.stop(layout, record.supervisor))
                    guard r.status == 0 else { return (id, Self.lastLine(r)) }
                    log.done(id, "collector stopped")
                    return (id, nil)
                } catch {
                    log.failed(id, "\(error)")
                    return (id, "\(error)")
                }
            }
        }
        return await Self.bounded(jobs, parallel: parallel)
    }

    static func verb(_ kind: RemoteChange.Kind) -> String {
        switch kind {
        case .install: "installed"
        case .upgrade: "upgraded"
        case .reconfigure: "reconfigured"
        default: "restarted"
        }
    }

    static func lastLine(_ r: CommandResult) -> String {
        r.errors.split(separator: "\n").last.map(String.init) ?? "exit status \(r.status)"
    }

    /// Runs `jobs` at most `parallel` at a time; results in the jobs' order.
    static func bounded<T: Sendable>(_ jobs: [@Sendable () async -> T], parallel: Int) async -> [T] {
        await withTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: jobs.count)
            var next = 0
            for _ in 0..<min(max(parallel, 1), jobs.count) {
                let i = next
                group.addTask { (i, await jobs[i]()) }
                next += 1
            }
            for await (i, value) in group {
                results[i] = value
                if next < jobs.count {
                    let j = next
                    group.addTask { (j, await jobs[j]()) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }
}

/// Progress lines of the fleet, one per step per machine, safe to write from parallel tasks.
public final class FleetLog: Sendable {
    private let lock = Mutex(())
    public init() {}
    public func step(_ machine: String, _ text: String) { write("  \(machine): \(text)…") }
    public func done(_ machine: String, _ text: String) { write("✓ \(machine): \(text)") }
    public func skipped(_ machine: String, _ text: String) { write("· \(machine): \(text)") }
    public func failed(_ machine: String, _ text: String) { write("✗ \(machine): \(text)") }
    private func write(_ line: String) {
        lock.withLock { _ in
            print(line)
            fflush(nil)
        }
    }
}
