import SMSCore

/// How many processes the machine runs (the numeric entries of /proc, kernel threads included, as `ps -e` counts
/// them), counted at most once per `every` seconds.
///
/// Listing /proc costs the kernel work for every process, and was most of what the `system` group cost each tick.
/// The `top` source walks /proc every `every` seconds anyway and hands its count in here, so with both groups
/// collected /proc is listed once per 3 s; alone, the `system` source lists it itself at that pace. The count is
/// a gauge that changes slowly; a few seconds' age is what `ps`-based tools show too.
///
/// A class shared by the two sources of one sampler, which calls them from one task at a time: that is what
/// makes the unchecked Sendable sound.
final class ProcessCensus: @unchecked Sendable {
    let every: Double
    /// The top source records here: the system source then waits one of its periods longer before listing /proc
    /// itself, so the two never both walk on the same tick.
    let fedByTop: Bool
    private var counted: (processes: Int, atSeconds: Double, root: String)?

    init(every: Double = 3, fedByTop: Bool = false) {
        self.every = every
        self.fedByTop = fedByTop
    }

    /// A count taken by a walk of `root` at `seconds` (monotonic).
    func record(_ processes: Int, root: String, atSeconds seconds: Double) {
        counted = (processes, seconds, root)
    }

    /// The process count: the last one while it is fresh, else a new walk of the proc root.
    func processes(_ context: SourceContext) throws(MetricSourceError) -> Int {
        // A quarter-second of slack keeps a 1 s schedule's jitter from adding a whole extra tick.
        let maxAge = (fedByTop ? 2 * every : every) - 0.25
        if let counted, counted.root == context.procRoot, context.monotonicSeconds - counted.atSeconds < maxAge {
            return counted.processes
        }
        var processes = 0
        try ProcDirectory.forEachProcess(in: context.procRoot, file: "stat") { _, _, _ in processes += 1 }
        record(processes, root: context.procRoot, atSeconds: context.monotonicSeconds)
        return processes
    }
}
