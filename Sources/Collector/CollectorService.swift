import Foundation
import Logging
import NIOCore
import NIOPosix
import SMSCore
import ServiceLifecycle
import Spec

/// A machine's collector: samples every interval into the durable buffer and streams the buffer to the hub.
///
/// Sampling never waits for the network: while the hub is away, batches pile up on disk (bounded) and are
/// replayed in order once it is back.
public struct CollectorService: Service {
    public struct Configuration: Sendable {
        public var machine: String
        public var token: String
        public var hub: Uplink.Target
        public var interval: SpecDuration
        public var groups: [MetricGroup]
        public var bufferDirectory: URL
        public var bufferLimits: DiskBuffer.Limits
        public var specHash: String
        public var procRoot = "/proc"
        public var sysRoot = "/sys"
        /// The machine's `textfile_dir`: your own metrics, read each interval; nil reads none.
        public var textfileDir: String?
        /// The machine's `containers` selection.
        public var containers = ContainerSelection.default
        /// Where the machine's `/` is, for the container runtimes' metadata (`/rootfs` in a container).
        public var rootfs = "/"
        /// Reads the token again before each connection (a file-held token may be rotated while the collector
        /// runs); nil keeps `token`.
        public var refreshToken: (@Sendable () -> String?)?

        public init(machine: String, token: String, hub: Uplink.Target, interval: SpecDuration, groups: [MetricGroup],
                    bufferDirectory: URL, bufferLimits: DiskBuffer.Limits, specHash: String) {
            self.machine = machine
            self.token = token
            self.hub = hub
            self.interval = interval
            self.groups = groups
            self.bufferDirectory = bufferDirectory
            self.bufferLimits = bufferLimits
            self.specHash = specHash
        }
    }

    public static let agentVersion = SMSVersion.current
    let config: Configuration
    let logger: Logger

    public init(config: Configuration, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    public func run() async throws {
        // One event loop thread for everything: sampling, the buffer, the gRPC connection and the timers. It is a
        // loop of NIO's process-wide group, which the lean `sms-collector` also makes Swift's global executor.
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let executor = EventLoopExecutor(loop)
        try await withTaskExecutorPreference(executor) { try await run(on: executor, group: loop) }
    }

    private func run(on executor: EventLoopExecutor, group: any EventLoopGroup) async throws {
        try FileManager.default.createDirectory(at: config.bufferDirectory, withIntermediateDirectories: true)
        let ownership = try BufferLock(directory: config.bufferDirectory)
        defer { withExtendedLifetime(ownership) {} }
        let buffer = try DiskBuffer(directory: config.bufferDirectory, limits: config.bufferLimits, logger: logger)
        let doorbell = Doorbell()
        let uplink = Uplink(
            target: config.hub, machine: config.machine, token: config.token, agentVersion: Self.agentVersion,
            specHash: config.specHash, buffer: buffer, doorbell: doorbell, logger: logger, eventLoopGroup: group,
            refreshToken: config.refreshToken)
        logger.info("collector started", metadata: [
            "machine": "\(config.machine)", "hub": "\(config.hub.host):\(config.hub.port)",
            "interval": "\(config.interval)", "next_seq": "\(buffer.nextSeq)", "backlog": "\(buffer.backlog)",
        ])
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await uplink.run(executor: executor) }
                group.addTask { await sampleLoop(buffer: buffer, doorbell: doorbell, executor: executor) }
            }
        }
        logger.info("collector stopped", metadata: ["backlog": "\(buffer.backlog)", "dropped": "\(buffer.droppedBatches)"])
    }

    /// Samples on wall-clock multiples of the interval, so every machine's samples line up in charts.
    private func sampleLoop(buffer: DiskBuffer, doorbell: Doorbell, executor: EventLoopExecutor) async {
        var sampler = Sampler(
            groups: config.groups, textfileDir: config.textfileDir, containers: config.containers, rootfs: config.rootfs,
            procRoot: config.procRoot, sysRoot: config.sysRoot, logger: logger)
        let step = max(config.interval.milliseconds, 10)
        while !Task.isCancelled {
            let now = Self.nowMs()
            let next = (now / step + 1) * step
            await executor.loop.sleep(for: .milliseconds(next - now))
            if Task.isCancelled { break }
            var snapshot = sampler.sample(nowMs: next)
            // Batches the buffer lost for good (overflow while the hub was away, or a full disk beyond the memory
            // cap), so the hub, its dashboard and alerts see them.
            snapshot.samples.append(Sample(Self.droppedKey, Double(buffer.droppedBatches)))
            buffer.append(snapshot)
            doorbell.ring()
        }
    }

    static let droppedKey = SeriesKey("collector.buffer_dropped_batches")

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}


/// How ServiceLifecycle names the service in its debug log: never the configuration, which holds the token.
extension CollectorService: CustomStringConvertible {
    public var description: String { "CollectorService(machine: \(config.machine), hub: \(config.hub.host):\(config.hub.port))" }
}

/// The token is never shown, whoever prints a configuration.
extension CollectorService.Configuration: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        "Configuration(machine: \(machine), hub: \(hub.host):\(hub.port), tls: \(hub.tls), interval: \(interval), token: <redacted>)"
    }
    public var debugDescription: String { description }
}
