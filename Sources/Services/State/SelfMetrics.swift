import SMSCore
import Prometheus

/// The process's Prometheus registry: every role's self-metrics register here (with help text, so
/// `promtool check metrics` accepts `/metrics`), and the gateway renders it.
public enum SelfMetrics {
    /// Set once at start-up by the command that runs roles; tests get a fresh one per process.
    nonisolated(unsafe) public static var registry = PrometheusCollectorRegistry()

    /// `sms_<name>[_<unit>]` with its help text.
    static func descriptor(_ name: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "sms", metricName: name, unitName: unit, helpText: help)
    }
}
