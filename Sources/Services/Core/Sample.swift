import Spec

/// A series: a catalog metric name plus its label values (`disk.used_percent{mount="/"}`).
public struct SeriesKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let metric: String
    public let labels: [String: String]

    public init(_ metric: String, _ labels: [String: String] = [:]) {
        self.metric = metric
        self.labels = labels
    }

    /// Canonical text form, labels sorted by key: `disk.used_percent{mount="/"}`; used as a map key in JSON.
    public var description: String {
        if labels.isEmpty { return metric }
        let inner = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
        return "\(metric){\(inner)}"
    }

    public static func < (a: SeriesKey, b: SeriesKey) -> Bool { a.description < b.description }

    /// True when every label of `filter` has the same value here.
    public func matches(labels filter: [String: String]) -> Bool {
        filter.allSatisfy { labels[$0.key] == $0.value }
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
public struct Snapshot: Sendable, Equatable, Codable {
    public var timestampMs: Int64
    public var samples: [Sample]
    public var top: [TopProcess]
    public init(timestampMs: Int64, samples: [Sample], top: [TopProcess] = []) {
        self.timestampMs = timestampMs
        self.samples = samples
        self.top = top
    }
}

/// A snapshot as sent and stored: numbered per machine, so replays are recognised and never stored twice.
public struct Batch: Sendable, Equatable, Codable {
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
