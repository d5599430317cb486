import SMSCore
import Prometheus

/// The aggregator's self-metrics, served on the gateway's `/metrics`; created once, with help text so
/// `promtool check metrics` accepts them.
public struct AggregatorMetrics: Sendable {
    let batchesStored: Prometheus.Counter
    let samplesStored: Prometheus.Counter
    let samplesReceived: Prometheus.Counter
    let batchesDeduplicated: Prometheus.Counter
    let batchesRejected: Prometheus.Counter
    let samplesRejected: Prometheus.Counter
    let streamsRejected: Prometheus.Counter
    let openStreams: Prometheus.Gauge
    let collectorBacklog: Prometheus.Gauge
    let commitBatches: Prometheus.Gauge

    public init(registry: PrometheusCollectorRegistry) {
        batchesStored = registry.makeCounter(descriptor: .init(namespace: "sms", metricName: "batches_stored", unitName: "total", helpText: "Batches durably stored in history."))
        samplesStored = registry.makeCounter(descriptor: .init(namespace: "sms", metricName: "samples_stored", unitName: "total", helpText: "Samples durably stored in history."))
        samplesReceived = registry.makeCounter(descriptor: .init(namespace: "sms", metricName: "samples_received", unitName: "total", helpText: "Samples received from collectors, replays included."))
        batchesDeduplicated = registry.makeCounter(descriptor: .init(namespace: "sms", metricName: "batches_deduplicated", unitName: "total", helpText: "Replayed batches already stored, acknowledged and not stored again."))
        batchesRejected = registry.makeCounter(descriptor: .init(namespace: "sms", metricName: "batches_rejected", unitName: "total", helpText: "Batches refused: wrong machine, bad seq or timestamp, malformed."))
        samplesRejected = registry.makeCounter(descriptor: .init(namespace: "sms", metricName: "samples_rejected", unitName: "total", helpText: "Samples dropped at ingest: a NaN or infinite value, or a series beyond its machine's limit."))
        streamsRejected = registry.makeCounter(descriptor: .init(namespace: "sms", metricName: "streams_rejected", unitName: "total", helpText: "Collector streams refused: authentication or stream limit."))
        openStreams = registry.makeGauge(descriptor: .init(namespace: "sms", metricName: "open_streams", unitName: "", helpText: "Collector streams open now."))
        collectorBacklog = registry.makeGauge(descriptor: .init(namespace: "sms", metricName: "collector_backlog_batches", unitName: "", helpText: "Unacknowledged batches the collectors reported holding, summed."))
        commitBatches = registry.makeGauge(descriptor: .init(namespace: "sms", metricName: "commit_group_batches", unitName: "", helpText: "Batches in the latest group commit."))
    }

    func stored(batches: Int, samples: Int) {
        if batches > 0 {
            batchesStored.increment(by: Int64(batches))
            samplesStored.increment(by: Int64(samples))
        }
    }
    func deduplicated(batches: Int) { if batches > 0 { batchesDeduplicated.increment(by: Int64(batches)) } }
}
