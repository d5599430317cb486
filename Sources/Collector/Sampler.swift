import SMSCore
import Logging
import Spec

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Takes one snapshot of a machine per tick by running each of its metric sources.
///
/// A source that throws is reported as `collector.source_success{source=…} 0` (1 when it read fine), its partial
/// samples are dropped, and the others run on. The failure is logged once when the source starts failing and
/// once when it recovers, not every tick.
///
/// Sample from one copy only, one tick at a time: the top source keeps /proc files open in a class that copies
/// of a sampler share.
public struct Sampler: Sendable {
    public private(set) var sources: [any MetricSource]
    private let procRoot: String
    private let sysRoot: String
    private let logger: Logger
    private let monotonicSeconds: @Sendable () -> Double
    private var failing: [Bool]
    private let successKeys: [SeriesKey]
    private var lastCount = 0

    /// A sampler for the sources of `groups` (see `SourceRegistry`).
    public init(
        groups: [MetricGroup], textfileDir: String? = nil, containers: ContainerSelection = .default,
        rootfs: String = "/", procRoot: String = "/proc", sysRoot: String = "/sys", logger: Logger
    ) {
        self.init(
            sources: SourceRegistry.make(groups: groups, textfileDir: textfileDir, containers: containers, rootfs: rootfs),
            procRoot: procRoot,
            sysRoot: sysRoot, logger: logger)
    }

    /// A sampler for the given sources; `monotonicSeconds` is the clock rates are measured with.
    public init(
        sources: [any MetricSource],
        procRoot: String = "/proc",
        sysRoot: String = "/sys",
        logger: Logger,
        monotonicSeconds: @escaping @Sendable () -> Double = Sampler.monotonicNow
    ) {
        self.sources = sources
        self.procRoot = procRoot
        self.sysRoot = sysRoot
        self.logger = logger
        self.monotonicSeconds = monotonicSeconds
        failing = Array(repeating: false, count: sources.count)
        successKeys = sources.map { SeriesKey("collector.source_success", ["source": $0.name]) }
    }

    /// Runs every source once and returns what they read, stamped `nowMs` (wall time, ms since the epoch).
    public mutating func sample(nowMs: Int64) -> Snapshot {
        let context = SourceContext(
            procRoot: procRoot, sysRoot: sysRoot, monotonicSeconds: monotonicSeconds(), wallTimeMs: nowMs)
        var snapshot = Snapshot(timestampMs: nowMs, samples: [])
        snapshot.samples.reserveCapacity(lastCount)
        for index in sources.indices {
            let mark = snapshot.samples.count
            var ok = true
            do {
                try sources[index].collect(into: &snapshot, context: context)
            } catch {
                ok = false
                snapshot.samples.removeSubrange(mark...)
                if !failing[index] {
                    logger.warning(
                        "metric source failed",
                        metadata: ["source": "\(sources[index].name)", "error": "\(error)"])
                }
            }
            if ok, failing[index] {
                logger.info("metric source recovered", metadata: ["source": "\(sources[index].name)"])
            }
            failing[index] = !ok
            for problem in sources[index].takeProblems() {
                logger.warning("metric source problem", metadata: ["source": "\(sources[index].name)", "problem": "\(problem)"])
            }
            snapshot.samples.append(Sample(successKeys[index], ok ? 1 : 0))
        }
        lastCount = snapshot.samples.count
        // A source that computes 0/0 (or reads a sensor's garbage) must not put NaN on the wire.
        return snapshot.droppingNonFinite().0
    }

    /// Seconds on CLOCK_MONOTONIC, which wall-clock changes do not move.
    @Sendable public static func monotonicNow() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
