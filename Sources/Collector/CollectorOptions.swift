import ArgumentParser
import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import SMSCore
import Spec

/// The collector's flags and what running them does: shared by `smsctl run collector` and the lean
/// `sms-collector` executable, so both take exactly the same command line.
public struct CollectorOptions: ParsableArguments, Sendable {
    /// How both commands explain themselves in `--help`.
    public static func discussion(command: String) -> String {
        """
        With the spec (on the hub's machine):
          \(command) --spec specs/home.yaml --machine mcrn
        Without it (on a remote machine, as `smsctl apply` runs it):
          \(command) --hub 192.168.1.20:50051 --machine nfrt \\
              --token-file /etc/sms/nfrt.token --tls-ca /etc/sms/ca.pem
        The token is never taken on the command line: use --token-file or --token-env.
        --tls-ca names the hub's CA (apply installs it; the hub speaks TLS by default).
        """
    }

    public init() {}

    @Option(help: "The spec file; gives the hub address, interval, buffer and token.")
    var spec: String?

    @Option(help: "This machine's id, as in the spec.")
    var machine: String

    @Option(help: "The hub's gRPC address HOST:PORT (without --spec).")
    var hub: String?

    @Option(help: "A file holding this machine's token (without --spec).")
    var tokenFile: String?

    @Option(help: "An environment variable holding this machine's token (without --spec).")
    var tokenEnv: String?

    @Option(help: "Sampling interval (without --spec), e.g. 1s, 5s.")
    var interval = "1s"

    @Option(help: "How much to keep while the hub is away (without --spec), e.g. 1h.")
    var buffer = "1h"

    @Option(help: "Folder of the durable buffer; it lives in <dir>/<machine> (default: the state directory with --spec, else /var/lib/sms/buffer when writable, else ~/.sms/buffer).")
    var bufferDir: String?

    @Option(help: "Use TLS to the hub, trusting this CA file (PEM), or \"system\" for the system's roots (without --spec).")
    var tlsCa: String?

    @Option(help: "Metric groups to sample, comma-separated (without --spec; default all): \(MetricGroup.allCases.map(\.rawValue).joined(separator: ",")).")
    var metrics: String?

    @Option(help: "A folder of *.prom files (node_exporter's textfile format) read each interval as custom.NAME series (without --spec).")
    var textfileDir: String?

    @Option(help: "Containers and services to read, comma-separated globs (without --spec; default every container).")
    var containersInclude: String?

    @Option(help: "Containers and services never to read, comma-separated globs (without --spec).")
    var containersExclude: String?

    @Option(help: "At most this many containers and services (without --spec; default 50).")
    var containersMax: Int?

    @ArgumentParser.Flag(help: "Read every systemd service's cgroup as well (without --spec).")
    var services = false

    @Option(help: "Where the machine's / is, for container names (a container reads the host's at /rootfs).")
    var rootfs = "/"

    @Option(help: "Where /proc is (a container reads the host's at /host/proc).")
    var procRoot = "/proc"

    @Option(help: "Where /sys is (a container reads the host's at /host/sys).")
    var sysRoot = "/sys"

    @Option(help: "Where secrets and data live (with --spec; default: .sms/<name>/ beside the spec).")
    var stateDir: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    public func validate() throws {
        if spec == nil && hub == nil { throw ValidationError("give --spec FILE, or --hub HOST:PORT with --token-file") }
        if let textfileDir, !textfileDir.hasPrefix("/") {
            throw ValidationError("--textfile-dir: expected an absolute path, got \"\(textfileDir)\"")
        }
        if let containersMax, !ContainerSelection.maxBounds.contains(containersMax) {
            throw ValidationError("--containers-max: expected 1–\(ContainerSelection.maxBounds.upperBound), got \(containersMax)")
        }
        if spec == nil && tokenFile == nil && tokenEnv == nil {
            throw ValidationError("without --spec, give --token-file FILE or --token-env NAME")
        }
    }

    /// Runs the collector until SIGTERM or SIGINT, every task of it on one NIO event loop, and blocks the calling
    /// thread until it ends. Nothing runs on Swift's global executor, whose first use starts libdispatch's worker
    /// pool and the pool's monitor: a timer that would wake the process every second for as long as it runs.
    public func runOnEventLoop() throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let done = loop.makePromise(of: Void.self)
        Task(executorPreference: EventLoopExecutor(loop)) {
            do {
                try await run()
                done.succeed()
            } catch {
                done.fail(error)
            }
        }
        try done.futureResult.wait()
    }

    /// Runs the collector until SIGTERM or SIGINT.
    public func run() async throws {
        // The collector runs on every machine: what only start-up used is dropped again after the first few
        // ticks (see ResidentCode).
        ResidentCode.trim()
        let settle = MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: .seconds(5)) { ResidentCode.trim() }
        defer { settle.cancel() }
        let logger = CollectorLogging.bootstrap(level: logLevel).with(label: "collector", machine: machine)
        var config = try configuration(logger: logger)
        config.procRoot = procRoot
        config.sysRoot = sysRoot
        config.rootfs = rootfs
        // A process that blocked the stop signals up front (`sms-collector`) waits for them itself; otherwise
        // ServiceGroup's signal sources take them.
        let waitsItself = StopSignals.blocked
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: CollectorService(config: config, logger: logger))],
            gracefulShutdownSignals: waitsItself ? [] : [.sigterm, .sigint], logger: logger))
        if waitsItself { StopSignals.wait { Task { await group.triggerGracefulShutdown() } } }
        try await group.run()
    }

    private func configuration(logger: Logger) throws -> CollectorService.Configuration {
        if let spec {
            let loaded = try CollectorLogging.loadSpec(spec)
            guard let m = loaded.machine(machine) else {
                throw CollectorSetupError("machine \"\(machine)\" is not in \(spec); known: \(loaded.machines.map(\.id).joined(separator: ", "))")
            }
            let state = StateDirectory(specFile: spec, specName: loaded.name, override: stateDir)
            guard let token = MachineTokens.token(for: m, state: state) else {
                throw CollectorSetupError("machine \"\(machine)\" has no token yet (\(m.token)); run smsctl apply \(spec) first")
            }
            let host = loaded.hubHost(dialedBy: m)
            let dir = (bufferDir.map { URL(fileURLWithPath: $0) } ?? state.dataDir(for: loaded, specFile: spec)
                .appendingPathComponent("buffer")).appendingPathComponent(machine)
            var config = CollectorService.Configuration(
                machine: machine, token: token,
                hub: .init(host: host, port: loaded.hub.grpcPort, tls: loaded.hub.tls != .off,
                           caFile: loaded.hubTLSFiles(state: state, specFile: spec)?.ca),
                interval: m.interval, groups: m.metrics, bufferDirectory: dir,
                bufferLimits: .init(maxAgeMs: m.buffer.milliseconds), specHash: loaded.collectorConfigHash(m))
            config.textfileDir = m.textfileDir
            config.containers = m.containers ?? .default
            config.refreshToken = { MachineTokens.token(for: m, state: state) }
            return config
        }
        let target = try Self.parseHub(hub ?? "")
        let token = try readToken()
        guard let every = SpecDuration(parsing: interval), every.milliseconds >= 100 else {
            throw ValidationError("--interval \"\(interval)\" is not a duration of at least 100ms (e.g. 1s, 5s)")
        }
        guard let keep = SpecDuration(parsing: buffer) else { throw ValidationError("--buffer \"\(buffer)\" is not a duration (e.g. 1h)") }
        let dir = (bufferDir.map { URL(fileURLWithPath: $0) } ?? Self.defaultBufferParent()).appendingPathComponent(machine)
        var config = CollectorService.Configuration(
            machine: machine, token: token,
            hub: .init(host: target.host, port: target.port, tls: tlsCa != nil, caFile: tlsCa == "system" ? nil : tlsCa),
            interval: every, groups: try parseGroups(), bufferDirectory: dir,
            bufferLimits: .init(maxAgeMs: keep.milliseconds),
            specHash: CollectorConfigHash.of(
                machine: machine, interval: every, buffer: keep, metrics: try parseGroups(), hub: hub ?? "",
                tls: tlsCa != nil, textfileDir: textfileDir, containers: containerSelection()))
        config.textfileDir = textfileDir
        config.containers = containerSelection()
        // A token file may be rotated while the collector runs (smsctl rotate-token): read it at each connection.
        if let tokenFile { config.refreshToken = { MachineTokens.read(URL(fileURLWithPath: tokenFile)) } }
        return config
    }

    /// The `containers` selection from the --containers-* flags and --services.
    private func containerSelection() -> ContainerSelection {
        func globs(_ text: String?) -> [String] {
            (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return ContainerSelection(
            include: globs(containersInclude), exclude: globs(containersExclude),
            max: containersMax ?? ContainerSelection.defaultMax, services: services)
    }

    private func parseGroups() throws -> [MetricGroup] {
        guard let metrics else { return MetricGroup.allCases }
        return try metrics.split(separator: ",").map { name in
            guard let group = MetricGroup(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--metrics: unknown group \"\(name)\"; known: \(MetricGroup.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return group
        }
    }

    /// `/var/lib/sms/buffer` when this user may write there, else `~/.sms/buffer`.
    public static func defaultBufferParent() -> URL {
        let system = URL(fileURLWithPath: "/var/lib/sms/buffer")
        if (try? FileManager.default.createDirectory(at: system, withIntermediateDirectories: true)) != nil,
           FileManager.default.isWritableFile(atPath: system.path) {
            return system
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".sms/buffer")
    }

    private func readToken() throws -> String {
        if let tokenFile {
            guard let token = MachineTokens.read(URL(fileURLWithPath: tokenFile)) else {
                throw CollectorSetupError("cannot read a token from \(tokenFile) (missing or empty)")
            }
            return token
        }
        let name = tokenEnv ?? ""
        guard let token = ProcessInfo.processInfo.environment[name], !token.isEmpty else {
            throw CollectorSetupError("environment variable \(name) is not set or empty")
        }
        return token
    }

    public static func parseHub(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw ValidationError("--hub \"\(text)\" must be HOST:PORT, e.g. 192.168.1.20:50051")
        }
        return (String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }
}

extension Logger {
    func with(label: String, machine: String) -> Logger {
        var copy = self
        copy[metadataKey: "role"] = "\(label)"
        copy[metadataKey: "machine"] = "\(machine)"
        return copy
    }
}

/// A collector that cannot start for a reason outside its command line (the spec, a token, the environment):
/// said in one line, exit 1, without the usage text.
public struct CollectorSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
