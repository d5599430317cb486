import SMSCore
import Spec

/// The metric sources of each group: one line per source.
public enum SourceRegistry {
    /// Builds a source from the set of groups being collected (the cpu and system sources share /proc/stat).
    private typealias Factory = @Sendable (Set<MetricGroup>) -> any MetricSource

    private static let factories: [(MetricGroup, Factory)] = [
        (.cpu, { CPUSource(reportsTaskCounts: $0.contains(.system)) }),
        (.memory, { _ in MemorySource() }),
        (.load, { _ in LoadSource() }),
        (.system, { SystemSource(readsTaskCounts: !$0.contains(.cpu)) }),
        (.disk, { _ in DiskSource() }),
        (.diskio, { _ in DiskIOSource() }),
        (.net, { _ in NetSource() }),
        (.top, { _ in TopSource() }),
        (.temperature, { _ in TemperatureSource() }),
    ]

    /// The sources that produce the metrics of `groups`, in catalog order.
    public static func make(groups: [MetricGroup]) -> [any MetricSource] {
        let wanted = Set(groups)
        return factories.filter { wanted.contains($0.0) }.map { $0.1(wanted) }
    }
}
