import SMSCore
import Spec

/// One kind of measurement the collector takes each tick (cpu, memory, disk…), read from the kernel's files.
///
/// A source appends the samples it read to the snapshot; one that cannot read throws, and the sampler then reports
/// `collector.source_success{source=name} 0` and drops whatever it had appended, without stopping the others.
/// Sources that turn counters into rates keep the previous reading (with its monotonic time) in their own state,
/// and emit no rate on their first tick or after a counter reset.
public protocol MetricSource: Sendable {
    /// The `source` label of `collector.source_success`, e.g. `cpu`.
    var name: String { get }
    /// The catalog group whose metrics this source produces.
    var group: MetricGroup { get }
    /// Reads the source's files and appends its samples (and, for `top`, processes) to `snapshot`.
    mutating func collect(into snapshot: inout Snapshot, context: SourceContext) throws
    /// Problems that did not stop the source (a bad line of a textfile), each once, for the sampler to log.
    mutating func takeProblems() -> [String]
}

extension MetricSource {
    public mutating func takeProblems() -> [String] { [] }
}

/// Where to read and when: the same for every source in one tick.
public struct SourceContext: Sendable {
    /// Root of the proc filesystem, `/proc` (or a fixture tree, or `/host/proc` in a container).
    public var procRoot: String
    /// Root of sysfs, `/sys`.
    public var sysRoot: String
    /// Seconds on a monotonic clock. Rate sources store it with each reading and divide by the difference to their
    /// own previous reading, not by the time since the sampler's previous tick: a source that failed last tick
    /// then still divides by the right interval, and a wall-clock jump never skews a rate.
    public var monotonicSeconds: Double
    /// Wall time of the tick, ms since the Unix epoch.
    public var wallTimeMs: Int64

    public init(procRoot: String = "/proc", sysRoot: String = "/sys", monotonicSeconds: Double, wallTimeMs: Int64) {
        self.procRoot = procRoot
        self.sysRoot = sysRoot
        self.monotonicSeconds = monotonicSeconds
        self.wallTimeMs = wallTimeMs
    }

    /// `procRoot` joined with a relative path.
    func proc(_ relative: String) -> String { procRoot + "/" + relative }

    /// `sysRoot` joined with a relative path.
    func sys(_ relative: String) -> String { sysRoot + "/" + relative }
}
