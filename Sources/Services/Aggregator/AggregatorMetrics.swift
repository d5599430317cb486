import Metrics

/// The aggregator's self-metrics (served on the gateway's `/metrics`), created once.
public struct AggregatorMetrics: Sendable {
    let batchesStored = Counter(label: "sms_batches_stored_total")
    let samplesStored = Counter(label: "sms_samples_stored_total")
    let samplesReceived = Counter(label: "sms_samples_received_total")
    let batchesDeduplicated = Counter(label: "sms_batches_deduplicated_total")
    let batchesRejected = Counter(label: "sms_batches_rejected_total")
    let streamsRejected = Counter(label: "sms_streams_rejected_total")
    let openStreams = Gauge(label: "sms_open_streams")

    public init() {}

    func stored(batches: Int, samples: Int) {
        if batches > 0 {
            batchesStored.increment(by: batches)
            samplesStored.increment(by: samples)
        }
    }
    func deduplicated(batches: Int) { if batches > 0 { batchesDeduplicated.increment(by: batches) } }
}
