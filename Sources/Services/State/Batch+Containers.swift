import SMSCore

/// Containers come and go: a batch from a collector that reads them (its `containers` source reported) holds every
/// container it reads, so the `container.*` series it lacks belong to containers that are gone. Both state stores
/// drop them from the machine's current values, so a removed container leaves its page and the export instead of
/// freezing there.
extension Batch {
    private static let containersSuccess = SeriesKey("collector.source_success", ["source": "containers"])

    /// The canonical text of every `container.*` series of the batch; nil when the batch is not from a collector
    /// that reads containers (an older one, or one without the group), which then leaves them alone.
    var containerSeries: Set<String>? {
        guard samples.contains(where: { $0.series == Self.containersSuccess }) else { return nil }
        var present: Set<String> = []
        for sample in samples where sample.series.metric.hasPrefix("container.") {
            present.insert(sample.series.description)
        }
        return present
    }
}
