/// Turns batches into wire messages for one stream: each series is declared once per stream, and a batch
/// with the same layout as the previous one sends no layout at all.
public struct StreamEncoder: Sendable {
    private var ids: [SeriesKey: UInt32] = [:]
    private var previousLayout: [UInt32] = []
    private var memo = LayoutMemo()
    private var sentIdentity = false
    public let machine: String
    public let agentVersion: String
    public let specHash: String

    public init(machine: String, agentVersion: String, specHash: String) {
        self.machine = machine
        self.agentVersion = agentVersion
        self.specHash = specHash
    }

    /// The wire message for `batch`; `backlog` is how many batches the sender still holds after this one.
    public mutating func encode(_ batch: Batch, backlog: UInt64 = 0) -> Sms_V1_Batch {
        var message = Sms_V1_Batch()
        if !sentIdentity {
            message.machineID = machine
            message.agentVersion = agentVersion
            message.specHash = specHash
            sentIdentity = true
        }
        message.seq = batch.seq
        message.timestampMs = batch.timestampMs
        message.backlog = backlog
        if memo.ids(for: batch.samples) == nil {
            var layout: [UInt32] = []
            layout.reserveCapacity(batch.samples.count)
            for sample in batch.samples {
                let id: UInt32
                if let known = ids[sample.series] {
                    id = known
                } else {
                    id = UInt32(ids.count)
                    ids[sample.series] = id
                    message.newSeries.append(Sms_V1_SeriesDef(sample.series))
                }
                layout.append(id)
            }
            // An unchanged layout is not sent again.
            if layout != previousLayout { message.layout = layout }
            previousLayout = layout
            memo.remember(batch.samples, ids: layout)
        }
        message.values = batch.samples.map(\.value)
        message.top = batch.snapshot.top.map { Sms_V1_Process($0) }
        return message
    }
}

/// Rebuilds batches from one stream's wire messages, enforcing the stream's limits.
public struct StreamDecoder: Sendable {
    public struct Limits: Sendable {
        /// A machine sends a few hundred series (a few thousand on a big one); far more is a bug or an attack,
        /// and every series costs the hub memory and a row in the machine's page.
        public var maxSeriesPerStream = 20_000
        public var maxValuesPerBatch = 50_000
        public var maxLabels = 16
        /// Bytes of a metric name, and of each label's name and value.
        public var maxMetricBytes = 128
        public var maxLabelNameBytes = 64
        public var maxLabelValueBytes = 256
        public init() {}
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        public var description: String {
            switch self { case .invalid(let m): m }
        }
    }

    private var series: [SeriesKey] = []
    private var layout: [UInt32] = []
    private let limits: Limits
    public let machine: String
    /// Every series declared on the stream so far, in order (the last ones are the latest message's).
    public var declared: [SeriesKey] { series }

    public init(machine: String, limits: Limits = Limits()) {
        self.machine = machine
        self.limits = limits
    }

    public mutating func decode(_ message: Sms_V1_Batch) throws(Failure) -> Batch {
        guard series.count + message.newSeries.count <= limits.maxSeriesPerStream else {
            throw .invalid("more than \(limits.maxSeriesPerStream) series on one stream")
        }
        for def in message.newSeries {
            guard let key = def.key(maxLabels: limits.maxLabels) else {
                throw .invalid("series \(series.count): empty metric name or more than \(limits.maxLabels) labels")
            }
            guard def.metric.utf8.count <= limits.maxMetricBytes,
                def.labels.allSatisfy({
                    $0.key.utf8.count <= limits.maxLabelNameBytes && $0.value.utf8.count <= limits.maxLabelValueBytes
                })
            else {
                throw .invalid(
                    "series \(series.count): a metric name over \(limits.maxMetricBytes) bytes, or a label name over "
                        + "\(limits.maxLabelNameBytes) or value over \(limits.maxLabelValueBytes) bytes")
            }
            series.append(key)
        }
        if !message.layout.isEmpty { layout = message.layout }
        guard message.values.count <= limits.maxValuesPerBatch else {
            throw .invalid("batch \(message.seq) has \(message.values.count) values; the limit is \(limits.maxValuesPerBatch)")
        }
        guard message.values.count == layout.count || (message.values.isEmpty && message.layout.isEmpty) else {
            throw .invalid("batch \(message.seq) has \(message.values.count) values for a layout of \(layout.count)")
        }
        var samples: [Sample] = []
        samples.reserveCapacity(message.values.count)
        for (index, value) in zip(layout, message.values) {
            guard Int(index) < series.count else { throw .invalid("batch \(message.seq) refers to undeclared series \(index)") }
            samples.append(Sample(series[Int(index)], value))
        }
        let top = message.top.prefix(100).map { TopProcess($0) }
        return Batch(machine: machine, seq: message.seq, snapshot: Snapshot(timestampMs: message.timestampMs, samples: samples, top: top))
    }
}
