import Metrics

/// The alerts service's metrics, created once (`sms_alert_*`).
public struct AlertsMetrics: Sendable {
    /// Notifications a receiver accepted (2xx).
    let sent: Counter
    /// Delivery attempts that failed (non-2xx or transport error); each is retried.
    let failedAttempts: Counter
    /// Notifications dropped: the queue was full (oldest first) or they waited longer than the maximum age.
    let dropped: Counter
    /// Alerts firing now.
    let firing: Gauge
    /// Alerts pending now.
    let pending: Gauge

    public init() {
        sent = Counter(label: "sms_alert_notifications_sent_total")
        failedAttempts = Counter(label: "sms_alert_notification_failures_total")
        dropped = Counter(label: "sms_alert_notifications_dropped_total")
        firing = Gauge(label: "sms_alerts_firing")
        pending = Gauge(label: "sms_alerts_pending")
    }
}
