import Spec

/// A series: a catalog metric name plus its label values (`disk.used_percent{mount="/"}`).
///
/// The canonical text is built once, when the key is made: it is the key's identity (hashing and equality use
/// it) and the map key of current values, so the hot paths (state, live feed, alerts) never rebuild it. The key
/// is one reference (copying it is one retain, not three) and carries its text's hash, so a dictionary lookup
/// hashes one integer and a key compared with itself (the decoder hands out the same key every batch) is equal
/// without reading its text.
public struct SeriesKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    private final class Storage: Sendable {
        let metric: String
        let labels: [String: String]
        let text: String
        let hash: Int
        init(_ metric: String, _ labels: [String: String]) {
            self.metric = metric
            self.labels = labels
            text = SeriesKey.canonical(metric, labels)
            hash = text.hashValue
        }
    }
    private let storage: Storage

    public var metric: String { storage.metric }
    public var labels: [String: String] { storage.labels }
    /// Canonical text form, labels sorted by key: `disk.used_percent{mount="/"}`; used as a map key in JSON.
    public var description: String { storage.text }

    public init(_ metric: String, _ labels: [String: String] = [:]) {
        storage = Storage(metric, labels)
    }

    private enum CodingKeys: String, CodingKey { case metric, labels }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(try c.decode(String.self, forKey: .metric), try c.decode([String: String].self, forKey: .labels))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(metric, forKey: .metric)
        try c.encode(labels, forKey: .labels)
    }

    public static func == (a: SeriesKey, b: SeriesKey) -> Bool {
        a.storage === b.storage || (a.storage.hash == b.storage.hash && a.storage.text == b.storage.text)
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(storage.hash) }
    public static func < (a: SeriesKey, b: SeriesKey) -> Bool { a.description < b.description }

    /// True when every label of `filter` has the same value here.
    public func matches(labels filter: [String: String]) -> Bool {
        filter.allSatisfy { labels[$0.key] == $0.value }
    }

    /// `metric{k="v",…}` with labels sorted by key; `"` and `\` in values are escaped, so the text is unique.
    static func canonical(_ metric: String, _ labels: [String: String]) -> String {
        if labels.isEmpty { return metric }
        var text = metric
        text.append("{")
        for (i, label) in labels.sorted(by: { $0.key < $1.key }).enumerated() {
            if i > 0 { text.append(",") }
            text.append(label.key)
            text.append("=\"")
            if label.value.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                for c in label.value {
                    if c == "\"" || c == "\\" { text.append("\\") }
                    text.append(c)
                }
            } else {
                text.append(label.value)
            }
            text.append("\"")
        }
        text.append("}")
        return text
    }
}

/// One value of one series at the batch's timestamp.
public struct Sample: Sendable, Hashable, Codable {
    public var series: SeriesKey
    public var value: Double
    public init(_ series: SeriesKey, _ value: Double) {
        self.series = series
        self.value = value
    }
    public init(_ metric: String, _ labels: [String: String], _ value: Double) {
        self.init(SeriesKey(metric, labels), value)
    }
    public init(_ metric: String, _ value: Double) {
        self.init(SeriesKey(metric), value)
    }
}

/// A process among a machine's busiest, shown in the machine view (not stored as series).
public struct TopProcess: Sendable, Hashable, Codable {
    public var pid: Int32
    public var name: String
    public var cpuPercent: Double
    public var memoryBytes: UInt64
    public init(pid: Int32, name: String, cpuPercent: Double, memoryBytes: UInt64) {
        self.pid = pid
        self.name = name
        self.cpuPercent = cpuPercent
        self.memoryBytes = memoryBytes
    }
}

/// What one collector tick produced: every sample at one timestamp, plus the top processes.
public struct Snapshot: Sendable, Equatable {
    public var timestampMs: Int64
    public var samples: [Sample]
    public var top: [TopProcess]
    public init(timestampMs: Int64, samples: [Sample], top: [TopProcess] = []) {
        self.timestampMs = timestampMs
        self.samples = samples
        self.top = top
    }
}

/// A snapshot as sent and stored: numbered per machine, so replays are recognised and never stored twice. Its one
/// binary form is the wire message (`Wire/`): on the stream, in the collector's buffer and between hub processes.
public struct Batch: Sendable, Equatable {
    public var machine: String
    public var seq: UInt64
    public var snapshot: Snapshot
    public init(machine: String, seq: UInt64, snapshot: Snapshot) {
        self.machine = machine
        self.seq = seq
        self.snapshot = snapshot
    }
    public var timestampMs: Int64 { snapshot.timestampMs }
    public var samples: [Sample] { snapshot.samples }
}

extension Snapshot {
    /// The snapshot without its non-finite values (NaN, ±infinity), and how many there were. No figure of sms is
    /// ever NaN or infinite: JSON cannot say them, rollups would keep an infinity for a year, alerts cannot
    /// compare them. The collector drops them before buffering, the aggregator before anything else sees a batch.
    public func droppingNonFinite() -> (Snapshot, dropped: [SeriesKey]) {
        guard samples.contains(where: { !$0.value.isFinite }) || top.contains(where: { !$0.cpuPercent.isFinite })
        else { return (self, []) }
        var copy = self
        copy.samples = samples.filter(\.value.isFinite)
        copy.top = top.filter(\.cpuPercent.isFinite)
        return (copy, samples.filter { !$0.value.isFinite }.map(\.series))
    }
}
