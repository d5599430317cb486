import SMSCore
import Spec

/// The metric sources of each group: one line per source.
public enum SourceRegistry {
    /// Builds a source from the set of groups being collected and what the sources of one sampler share: the cpu
    /// and system sources share /proc/stat, the top and system sources one listing of /proc.
    private typealias Factory = @Sendable (Shared) -> any MetricSource

    private struct Shared {
        let groups: Set<MetricGroup>
        let census: ProcessCensus
        let textfileDir: String?
        let containers: ContainerSelection
        let rootfs: String

        func contains(_ group: MetricGroup) -> Bool { groups.contains(group) }
    }

    private static let factories: [(MetricGroup, Factory)] = [
        (.cpu, { CPUSource(reportsTaskCounts: $0.contains(.system)) }),
        (.memory, { _ in MemorySource() }),
        (.load, { _ in LoadSource() }),
        (.system, { SystemSource(readsTaskCounts: !$0.contains(.cpu), census: $0.census) }),
        (.disk, { _ in DiskSource() }),
        (.diskio, { _ in DiskIOSource() }),
        (.net, { _ in NetSource() }),
        (.top, { TopSource(census: $0.census) }),
        (.temperature, { _ in TemperatureSource() }),
        (.pressure, { _ in PressureSource() }),
        (.containers, { ContainerSource(selection: $0.containers, rootfs: $0.rootfs) }),
        (.custom, { TextfileSource(directory: $0.textfileDir) }),
    ]

    /// The sources that produce the metrics of `groups`, in catalog order; `textfileDir` is the machine's
    /// `textfile_dir` (nil: the custom group reads nothing); `containers` its `containers` selection, and `rootfs`
    /// where the machine's `/` is (for the container runtimes' metadata).
    public static func make(
        groups: [MetricGroup], textfileDir: String? = nil, containers: ContainerSelection = .default,
        rootfs: String = "/"
    ) -> [any MetricSource] {
        let wanted = Set(groups)
        let shared = Shared(
            groups: wanted, census: ProcessCensus(fedByTop: wanted.contains(.top)), textfileDir: textfileDir,
            containers: containers, rootfs: rootfs)
        return factories.filter { wanted.contains($0.0) }.map { $0.1(shared) }
    }
}
