import ArgumentParser
import Collector
import Foundation
import Logging
import Metrics
import Prometheus
import Controller
import SMSCore
import Services
import Spec

/// Process-wide set-up, done once by the command that runs a role: logging and metrics.
enum Bootstrap {
    /// The registry `/metrics` renders; every swift-metrics metric of the process lands here.
    static var registry: PrometheusCollectorRegistry { SelfMetrics.registry }

    /// Logging as the collector sets it up, plus the metrics registry the hub roles report to.
    static func logging(level: Logger.Level) -> Logger {
        let logger = CollectorLogging.bootstrap(level: level)
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return logger
    }

    /// Loads a spec or prints its diagnostics and exits 1 (2 when the file cannot be read).
    static func loadSpec(_ path: String) throws -> Spec { try CollectorLogging.loadSpec(path) }
}

