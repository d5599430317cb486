import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("CollectorSources.registry")
struct CollectorSourcesRegistryTests {
    @Test func oneSourcePerGroupInCatalogOrder() {
        let sources = SourceRegistry.make(groups: MetricGroup.allCases.reversed())
        #expect(sources.map(\.name) == MetricGroup.allCases.map(\.rawValue))
        #expect(sources.map(\.group) == MetricGroup.allCases)
        #expect(SourceRegistry.make(groups: [.net, .memory]).map(\.name) == ["memory", "net"])
    }

    /// Every series of the group's sources over two fixture ticks is a catalog metric of that group, with exactly
    /// the catalog's label keys (a container's or a service's: one of the two); and every catalog metric of the
    /// group shows up.
    @Test(arguments: MetricGroup.allCases)
    func producesExactlyTheCatalogsMetrics(group: MetricGroup) throws {
        let snapshot = try Self.twoTicks(groups: [group])
        for sample in snapshot.samples {
            let info = try #require(MetricCatalog.info(sample.series.metric), "\(sample.series)")
            #expect(info.group == group, "\(sample.series)")
            let keys = sample.series.labels.keys.sorted()
            let expected = info.group == .containers ? [["container"], ["service"]] : [info.labels.sorted()]
            #expect(expected.contains(keys), "\(sample.series)")
            #expect(sample.value.isFinite, "\(sample.series)")
        }
        #expect(snapshot.sampledMetrics == Self.catalogMetrics(in: [group]))
    }

    /// With every group on, each series comes from exactly one source (cpu and system share /proc/stat).
    @Test func allGroupsTogetherProduceEachSeriesOnce() throws {
        let snapshot = try Self.twoTicks(groups: MetricGroup.allCases)
        #expect(Set(snapshot.samples.map(\.series)).count == snapshot.samples.count)
        #expect(snapshot.sampledMetrics == Self.catalogMetrics(in: MetricGroup.allCases))
    }

    /// The samples of the second tick of the registry's sources for `groups` over `ticks/`.
    private static func twoTicks(groups: [MetricGroup]) throws -> Snapshot {
        var sources = SourceRegistry.make(groups: groups)
        var snapshot = Snapshot(timestampMs: 0, samples: [])
        for index in sources.indices {
            _ = try ProcFixture.collect(&sources[index], "ticks/tick1", at: 100)
            snapshot.samples += try ProcFixture.collect(&sources[index], "ticks/tick2", at: 102).samples
        }
        return snapshot
    }

    /// The catalog's metrics of `groups`, without the collector's own `collector.*` (the sampler's and the
    /// buffer's, not a source's).
    private static func catalogMetrics(in groups: [MetricGroup]) -> Set<String> {
        Set(MetricCatalog.all.filter { groups.contains($0.group) && !$0.name.hasPrefix("collector.") }.map(\.name))
    }
}
