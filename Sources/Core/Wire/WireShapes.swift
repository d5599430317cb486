/// The one mapping between the model and the wire's messages. Everything that stores or sends a batch as bytes
/// (the gRPC stream, the collector's disk buffer, live events between processes over Redis) goes through these
/// and the generated protobuf code, so a batch has exactly one binary form.
extension Sms_V1_SeriesDef {
    /// A series as declared on the wire: labels sorted by key, so the same key always has the same bytes.
    public init(_ key: SeriesKey) {
        self.init()
        metric = key.metric
        labels = key.labels.sorted { $0.key < $1.key }.map { label in
            .with {
                $0.key = label.key
                $0.value = label.value
            }
        }
    }

    /// The series, or nil when it breaks the limits (no metric name, too many labels).
    public func key(maxLabels: Int) -> SeriesKey? {
        guard !metric.isEmpty, labels.count <= maxLabels else { return nil }
        return SeriesKey(metric, Dictionary(labels.map { ($0.key, $0.value) }) { first, _ in first })
    }
}

extension Sms_V1_Process {
    /// A busy process on the wire (CPU share narrowed to a float: it is shown with one decimal).
    public init(_ process: TopProcess) {
        self.init()
        pid = process.pid
        name = process.name
        cpuPercent = Float(process.cpuPercent)
        memoryBytes = process.memoryBytes
    }
}

extension TopProcess {
    /// The process a wire message describes; a name longer than 64 characters is cut.
    public init(_ process: Sms_V1_Process) {
        self.init(pid: process.pid, name: String(process.name.prefix(64)), cpuPercent: Double(process.cpuPercent),
                  memoryBytes: process.memoryBytes)
    }
}

extension Batch {
    /// The batch alone, as one self-contained wire message (identity and every series declared): how a batch
    /// travels between processes outside a collector stream (live events over Redis).
    public func wireBytes() -> [UInt8] {
        var encoder = StreamEncoder(machine: machine, agentVersion: "", specHash: "")
        // Serializing a message of plain fields cannot fail.
        return (try? encoder.encode(self).serializedBytes()) ?? []
    }

    /// The batch in `bytes`, as `wireBytes()` wrote it.
    public init(wireBytes bytes: [UInt8]) throws {
        let message = try Sms_V1_Batch(serializedBytes: bytes)
        var decoder = StreamDecoder(machine: message.machineID)
        self = try decoder.decode(message)
    }
}
