import SMSCore
import Prometheus
import Synchronization

/// The gateway's own Prometheus series, created once per registry (`sms_gateway_*`, base units, `_total` counters).
final class GatewayMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let machinesDeclared: Gauge
    let machinesConnected: Gauge
    let machinesDown: Gauge
    let alertsFiringCritical: Gauge
    let alertsFiringWarning: Gauge
    let websocketClients: Gauge
    let messagesSent: Counter
    let bytesSent: Counter
    let droppedSlow: Counter
    let droppedProtocol: Counter
    let uptime: Gauge
    let buildInfo: Gauge
    let loginSucceeded: Counter
    let loginFailed: Counter
    let loginThrottled: Counter
    private let refusedHeaderTooLarge: Counter
    private let refusedHeaderTimeout: Counter
    private let refusedBadRequest: Counter
    private let refusedUnauthorized: Counter
    /// `sms_machine_completeness_ratio{machine, window}` per machine shown last time, to drop a machine's gauges
    /// once it is gone.
    private let completeness = Mutex<[String: [Gauge]]>([:])
    private static var completenessName: MetricNameDescriptor {
        MetricNameDescriptor(
        namespace: "sms", subsystem: "machine", metricName: "completeness", unitName: "ratio",
        helpText: "Share of the window (1h, 24h, 7d) the machine's history has data for, from when its data begins; back-filled gaps count as complete (docs/gaps.md).")
    }

    init(registry: PrometheusCollectorRegistry, version: String) {
        self.registry = registry
        func name(_ metric: String, _ help: String, unit: String = "") -> MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "sms", subsystem: "gateway", metricName: metric, unitName: unit, helpText: help)
        }
        machinesDeclared = registry.makeGauge(descriptor: name("machines_declared", "Machines declared by the spec."))
        machinesConnected = registry.makeGauge(
            descriptor: name("machines_connected", "Machines whose collector stream is open."))
        machinesDown = registry.makeGauge(
            descriptor: name("machines_down", "Declared machines seen before but silent or disconnected now."))
        let firing = name("alerts_firing", "Alerts firing now.")
        alertsFiringCritical = registry.makeGauge(descriptor: firing, labels: [("severity", "critical")])
        alertsFiringWarning = registry.makeGauge(descriptor: firing, labels: [("severity", "warning")])
        websocketClients = registry.makeGauge(
            descriptor: name("websocket_clients", "Dashboard WebSocket clients connected."))
        messagesSent = registry.makeCounter(
            descriptor: name("websocket_messages_sent", "WebSocket messages sent to dashboards.", unit: "total"))
        bytesSent = registry.makeCounter(
            descriptor: name("websocket_sent_bytes", "WebSocket payload bytes sent to dashboards.", unit: "total"))
        let dropped = name("websocket_clients_dropped", "WebSocket clients the gateway disconnected.", unit: "total")
        droppedSlow = registry.makeCounter(descriptor: dropped, labels: [("reason", "slow")])
        droppedProtocol = registry.makeCounter(descriptor: dropped, labels: [("reason", "bad_message")])
        uptime = registry.makeGauge(descriptor: name("uptime", "Seconds since the process started.", unit: "seconds"))
        buildInfo = registry.makeGauge(
            descriptor: name("build", "Always 1; labelled by version.", unit: "info"), labels: [("version", version)])
        buildInfo.set(to: 1)
        let logins = name(
            "login_attempts", "Logins by password or one-time link: success, failure, or throttled (answered 429).",
            unit: "total")
        loginSucceeded = registry.makeCounter(descriptor: logins, labels: [("result", "success")])
        loginFailed = registry.makeCounter(descriptor: logins, labels: [("result", "failure")])
        loginThrottled = registry.makeCounter(descriptor: logins, labels: [("result", "throttled")])
        let refused = name("http_connections_refused", "Connections answered 431/408/400 (or 401 to a WebSocket upgrade without login) and closed before any route ran.", unit: "total")
        refusedHeaderTooLarge = registry.makeCounter(descriptor: refused, labels: [("reason", "header_too_large")])
        refusedHeaderTimeout = registry.makeCounter(descriptor: refused, labels: [("reason", "header_timeout")])
        refusedBadRequest = registry.makeCounter(descriptor: refused, labels: [("reason", "bad_request")])
        refusedUnauthorized = registry.makeCounter(descriptor: refused, labels: [("reason", "unauthorized")])
    }

    /// Sets every machine's completeness gauges; those of machines no longer listed (or not yet measured) go.
    func setCompleteness(_ machines: [MachineSummary]) {
        completeness.withLock { shown in
            var next: [String: [Gauge]] = [:]
            for m in machines {
                guard let ratios = m.completeness, !ratios.isEmpty else { continue }
                next[m.id] = ratios.sorted { $0.key < $1.key }.map { window, ratio in
                    let gauge = registry.makeGauge(descriptor: Self.completenessName, labels: [("machine", m.id), ("window", window)])
                    gauge.set(to: ratio)
                    return gauge
                }
            }
            for (id, gauges) in shown where next[id] == nil {
                for gauge in gauges { registry.unregisterGauge(gauge) }
            }
            shown = next
        }
    }

    /// Counts a connection the request guard refused (`RequestHeadGuard`'s reason).
    func requestRefused(_ reason: String) {
        switch reason {
        case "header_too_large": refusedHeaderTooLarge.increment()
        case "header_timeout": refusedHeaderTimeout.increment()
        case "unauthorized": refusedUnauthorized.increment()
        default: refusedBadRequest.increment()
        }
    }
}
