import Spec

/// The hash of what a collector's behaviour depends on, sent on its stream so the hub can tell whether the
/// collector runs what the spec says now (drift), whether it was started from the spec or from rendered flags.
public enum CollectorConfigHash {
    public static func of(machine: String, interval: SpecDuration, buffer: SpecDuration, metrics: [MetricGroup],
                          hub: String, tls: Bool, textfileDir: String? = nil,
                          containers: ContainerSelection = .default) -> String {
        let groups = Set(metrics.map(\.rawValue)).sorted().joined(separator: ",")
        let text = "\(machine)|\(interval)|\(buffer)|\(groups)|\(hub)|\(tls)" + (textfileDir.map { "|\($0)" } ?? "")
            + (containers.isDefault ? "" : "|containers:" + containers.hashText)
        return StableHash.hex(text.utf8)
    }
}

extension Spec {
    /// What the collector of `machine` should report as its config hash under this spec.
    public func collectorConfigHash(_ machine: Machine) -> String {
        CollectorConfigHash.of(
            machine: machine.id, interval: machine.interval, buffer: machine.buffer, metrics: machine.metrics,
            hub: "\(hubHost(dialedBy: machine)):\(hub.grpcPort)", tls: hub.tls != .off, textfileDir: machine.textfileDir,
            containers: machine.containers ?? .default)
    }
}
