import Foundation
import Testing

@testable import Spec

/// The one table of Prometheus names covers the whole catalog, follows Prometheus' naming rules, and is the table
/// docs/prometheus.md shows.
@Suite struct PrometheusNamesTests {
    static let docs: String = {
        let url = Fixtures.specsDirectory.deletingLastPathComponent().appendingPathComponent("docs/prometheus.md")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    @Test func tableCoversTheCatalogExactly() {
        #expect(Set(MetricCatalog.prometheusNames.keys) == Set(MetricCatalog.names))
        #expect(MetricCatalog.metrics(in: .pressure).count == 12)
        #expect(MetricCatalog.metrics(in: .pressure).allSatisfy { MetricCatalog.prometheusNames[$0.name] != nil })
        let names = MetricCatalog.prometheusNames.values.map(\.name)
        #expect(Set(names).count == names.count, "two catalog metrics share a Prometheus name")
    }

    @Test(arguments: MetricCatalog.names)
    func nameFollowsPrometheusConventions(_ metric: String) throws {
        let p = try #require(MetricCatalog.prometheusName(metric))
        let info = try #require(MetricCatalog.info(metric))
        #expect(p.name.hasPrefix("sms_") && MetricCatalog.isPrometheusName(p.name) && !p.name.contains(":"))
        #expect(p.counter == p.name.hasSuffix("_total"), "counters and only counters end in _total")
        switch info.unit {
        case "bytes": #expect(p.name.hasSuffix("_bytes"))
        case "seconds": #expect(p.name.hasSuffix("_seconds"))
        case "percent": #expect(p.name.hasSuffix("_percent"), "shares stay _percent (0–100) everywhere")
        case "bytes/s": #expect(p.name.hasSuffix("_bytes_per_second"))
        case "celsius": #expect(p.name.hasSuffix("_celsius"))
        default: break
        }
        #expect(MetricCatalog.catalogName(prometheus: p.name) == metric)
    }

    @Test(arguments: MetricCatalog.names)
    func docsShowTheTableRow(_ metric: String) throws {
        let p = try #require(MetricCatalog.prometheusName(metric))
        let type = p.counter ? "counter" : "gauge"
        #expect(Self.docs.contains("| `\(metric)` | `\(p.name)` | \(type) |"), "docs/prometheus.md lacks the row of \(metric)")
    }

    @Test func docsListNoOtherMetric() {
        let rows = Self.docs.split(separator: "\n").filter { $0.hasPrefix("| `") && $0.contains("| `sms_") }
        let documented = rows.compactMap { row in row.split(separator: "`").dropFirst().first.map(String.init) }
        #expect(Set(documented).subtracting(["custom.NAME"]) == Set(MetricCatalog.names))
    }

    @Test func customMetricsMapBothWays() {
        #expect(MetricCatalog.prometheusName("custom.app_queue_depth") == PrometheusName("sms_custom_app_queue_depth"))
        #expect(MetricCatalog.prometheusName("custom.jobs_done_total") == PrometheusName("sms_custom_jobs_done_total", counter: true))
        #expect(MetricCatalog.catalogName(prometheus: "sms_custom_app_queue_depth") == "custom.app_queue_depth")
        #expect(MetricCatalog.catalogName(prometheus: "sms_custom_") == nil)
        #expect(MetricCatalog.catalogName(prometheus: "node_load1") == nil)
        #expect(MetricCatalog.prometheusName("custom.bad-name") == nil)
        #expect(MetricCatalog.prometheusName("nope.metric") == nil)
    }
}
