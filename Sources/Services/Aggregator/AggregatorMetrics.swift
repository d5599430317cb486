import Prometheus

/// The aggregator's self-metrics, served on the gateway's `/metrics`; created once, with help text so
/// `promtool check metrics` accepts them.
public struct AggregatorMetrics: Sendable {
    let batchesStored: Prometheus.Counter
    let samplesStored: Prometheus.Counter
    let samplesReceived: Prometheus.Counter
    let batchesDeduplicated: Prometheus.Counter
    let batchesRejected: Prometheus.Counter
    let streamsRejected: Prometheus.Counter
    let openStreams: Prometheus.Gauge
    let collectorBacklog: Prometheus.Gauge
    let commitBatches: Prometheus.Gauge

    public init(registry: PrometheusCollectorRegistry) {
        batchesStored = registry.makeCounter(name: "sms_batches_stored_total", help: "Batches durably stored in history.")
        samplesStored = registry.makeCounter(name: "sms_samples_stored_total", help: "Samples durably stored in history.")
        samplesReceived = registry.makeCounter(
            name: "sms_samples_received_total", help: "Samples received from collectors, replays included.")
        batchesDeduplicated = registry.makeCounter(
            name: "sms_batches_deduplicated_total", help: "Replayed batches already stored, acknowledged and not stored again.")
        batchesRejected = registry.makeCounter(
            name: "sms_batches_rejected_total", help: "Batches refused: wrong machine, bad seq or timestamp, malformed.")
        streamsRejected = registry.makeCounter(
            name: "sms_streams_rejected_total", help: "Collector streams refused: authentication or stream limit.")
        openStreams = registry.makeGauge(name: "sms_open_streams", help: "Collector streams open now.")
        collectorBacklog = registry.makeGauge(
            name: "sms_collector_backlog_batches", help: "Unacknowledged batches the collectors reported holding, summed.")
        commitBatches = registry.makeGauge(name: "sms_commit_group_batches", help: "Batches in the latest group commit.")
    }

    func stored(batches: Int, samples: Int) {
        if batches > 0 {
            batchesStored.increment(by: Int64(batches))
            samplesStored.increment(by: Int64(samples))
        }
    }
    func deduplicated(batches: Int) { if batches > 0 { batchesDeduplicated.increment(by: Int64(batches)) } }
}
