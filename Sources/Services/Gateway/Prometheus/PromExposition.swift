import Foundation
import SMSCore
import Spec

/// One sample of the fleet in Prometheus' terms: the `sms_…` name, its labels (`machine` and the series' own) and
/// the time the collector took it.
struct PromSample: Sendable, Equatable {
    var name: String
    var labels: [String: String]
    var value: Double
    var timestampMs: Int64?

    /// The label set queries and `match[]` see: the labels plus `__name__`.
    var matchLabels: [String: String] {
        var all = labels
        all["__name__"] = name
        return all
    }

    /// The sample of `series` of `machine`; nil for a metric outside the catalog. A series label called `machine`
    /// (possible in a textfile) is kept as `exported_machine`, as Prometheus does on a clash.
    static func make(machine: String, series: SeriesKey, value: Double, timestampMs: Int64?) -> PromSample? {
        guard let name = MetricCatalog.prometheusName(series.metric) else { return nil }
        return PromSample(
            name: name.name, labels: promLabels(machine: machine, series.labels), value: value,
            timestampMs: timestampMs)
    }

    static func promLabels(machine: String, _ labels: [String: String]) -> [String: String] {
        var out = labels
        if let clash = out.removeValue(forKey: "machine") { out["exported_machine"] = clash }
        out["machine"] = machine
        return out
    }
}

/// The Prometheus text format (0.0.4) and OpenMetrics (1.0.0) of a set of samples, one family per metric name.
enum PromExposition {
    static let textContentType = "text/plain; version=0.0.4; charset=utf-8"
    static let openMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8"

    /// True when the `Accept` header prefers OpenMetrics (as Prometheus' own scraper asks).
    static func wantsOpenMetrics(_ accept: String?) -> Bool {
        guard let accept else { return false }
        var best: (om: Double, text: Double) = (0, 0)
        for part in accept.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let type = fields.first else { continue }
            let q = fields.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if type == "application/openmetrics-text" { best.om = max(best.om, q) }
            if type == "text/plain" { best.text = max(best.text, q) }
        }
        return best.om > 0 && best.om >= best.text
    }

    /// The exposition of `samples`: families sorted by name, series by labels; every sample with its timestamp.
    static func render(_ samples: [PromSample], openMetrics: Bool) -> String {
        var out = ""
        let families = Dictionary(grouping: samples, by: \.name)
        for name in families.keys.sorted() {
            let members = families[name]!.sorted { labelText($0.labels) < labelText($1.labels) }
            let catalog = MetricCatalog.catalogName(prometheus: name)
            let counter = catalog.flatMap { MetricCatalog.prometheusName($0)?.counter } ?? false
            let custom = catalog?.hasPrefix(MetricCatalog.customPrefix) ?? true
            // A custom metric's type is whatever the textfile meant: untyped, as node_exporter passes it on.
            let type = custom ? (openMetrics ? "unknown" : "untyped") : counter ? "counter" : "gauge"
            let family = openMetrics && counter && !custom ? String(name.dropLast("_total".count)) : name
            let help = catalog.flatMap { MetricCatalog.info($0) }.map { "\($0.help) (sms: \($0.name))" } ?? name
            out += "# HELP \(family) \(escapeHelp(help, openMetrics: openMetrics))\n"
            out += "# TYPE \(family) \(type)\n"
            for s in members {
                out += name
                out += labelText(s.labels)
                out += " "
                out += formatValue(s.value)
                if let t = s.timestampMs {
                    out += " "
                    out += openMetrics ? formatSeconds(t) : String(t)
                }
                out += "\n"
            }
        }
        if openMetrics { out += "# EOF\n" }
        return out
    }

    /// `{a="x",b="y"}` sorted by name, values escaped; empty for no labels.
    static func labelText(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "" }
        let pairs = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(escapeLabel($0.value))\"" }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    static func escapeLabel(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func escapeHelp(_ text: String, openMetrics: Bool) -> String {
        var out = ""
        for c in text {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where openMetrics: out += "\\\""
            default: out.append(c)
            }
        }
        return out
    }

    /// A value as Prometheus writes it: integers without a fraction, `NaN`, `+Inf`, `-Inf`.
    static func formatValue(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// Milliseconds as seconds with up to three decimals (`1733500000.25`), exact in decimal.
    static func formatSeconds(_ ms: Int64) -> String {
        let sign = ms < 0 ? "-" : ""
        let a = abs(ms)
        let frac = a % 1000
        if frac == 0 { return "\(sign)\(a / 1000)" }
        var digits = String(frac)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(sign)\(a / 1000).\(digits)"
    }
}
