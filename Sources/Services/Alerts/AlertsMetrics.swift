import SMSCore
import Prometheus

/// The alerts service's metrics, created once (`sms_alert_*`), in the process registry with help text.
public struct AlertsMetrics: Sendable {
    /// Notifications a receiver accepted (2xx).
    let sent: Prometheus.Counter
    /// Delivery attempts that failed (non-2xx or transport error); each is retried.
    let failedAttempts: Prometheus.Counter
    /// Notifications dropped: the queue was full (oldest first) or they waited longer than the maximum age.
    let dropped: Prometheus.Counter
    /// Alerts firing now.
    let firing: Prometheus.Gauge
    /// Alerts pending now.
    let pending: Prometheus.Gauge

    public init(registry: PrometheusCollectorRegistry = SelfMetrics.registry) {
        sent = registry.makeCounter(descriptor: SelfMetrics.descriptor(
            "alert_notifications_sent", unit: "total", help: "Alert notifications a receiver accepted."))
        failedAttempts = registry.makeCounter(descriptor: SelfMetrics.descriptor(
            "alert_notification_failures", unit: "total", help: "Failed notification attempts; each is retried."))
        dropped = registry.makeCounter(descriptor: SelfMetrics.descriptor(
            "alert_notifications_dropped", unit: "total", help: "Notifications dropped: queue full or too old."))
        firing = registry.makeGauge(descriptor: SelfMetrics.descriptor("alerts_firing", help: "Alerts firing now."))
        pending = registry.makeGauge(descriptor: SelfMetrics.descriptor("alerts_pending", help: "Alerts pending now."))
    }
}
