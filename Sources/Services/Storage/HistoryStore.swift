import Logging
import SMSCore
import Spec

/// A resolution at which history is kept: every sample, or per-minute / per-hour rollups.
public enum HistoryTier: String, Sendable, Codable, CaseIterable {
    case raw
    case oneMinute = "1m"
    case oneHour = "1h"

    /// Width of one rollup bucket; nil for raw samples.
    public var bucketMs: Int64? {
        switch self {
        case .raw: nil
        case .oneMinute: 60_000
        case .oneHour: 3_600_000
        }
    }
}

/// What a dashboard panel or the API asks for: one metric of one machine over a time range.
public struct HistoryQuery: Sendable, Equatable {
    public var machine: String
    public var metric: String
    /// Only series having all of these label values (a subset match; empty means every series of the metric).
    public var labels: [String: String]
    /// Inclusive range, in ms since the epoch.
    public var fromMs: Int64
    public var toMs: Int64
    /// When set, points are merged into buckets of this width (aligned to multiples of it).
    public var stepMs: Int64?
    /// nil chooses by range: raw up to 6 h, 1m up to 7 d, else 1h; a tier already cut by retention is skipped.
    public var tier: HistoryTier?

    public init(
        machine: String, metric: String, labels: [String: String] = [:], fromMs: Int64, toMs: Int64,
        stepMs: Int64? = nil, tier: HistoryTier? = nil
    ) {
        self.machine = machine
        self.metric = metric
        self.labels = labels
        self.fromMs = fromMs
        self.toMs = toMs
        self.stepMs = stepMs
        self.tier = tier
    }
}

/// One point of a series. Raw samples have value == min == max == last; rollups carry the bucket's
/// average as `value` and `t` is the bucket's start.
public struct HistoryPoint: Sendable, Codable, Equatable {
    public var t: Int64
    public var value: Double
    public var min: Double
    public var max: Double
    public var last: Double

    public init(t: Int64, value: Double, min: Double, max: Double, last: Double) {
        self.t = t
        self.value = value
        self.min = min
        self.max = max
        self.last = last
    }

    /// A raw sample.
    public init(t: Int64, value: Double) { self.init(t: t, value: value, min: value, max: value, last: value) }
}

/// The points of one series at one tier, oldest first.
public struct HistorySeries: Sendable, Codable, Equatable {
    public var series: SeriesKey
    public var tier: HistoryTier
    public var points: [HistoryPoint]

    public init(series: SeriesKey, tier: HistoryTier, points: [HistoryPoint]) {
        self.series = series
        self.tier = tier
        self.points = points
    }
}

/// What `append` did with the batches it was given.
public struct AppendResult: Sendable, Equatable {
    /// Batches newly stored.
    public var stored: Int
    /// Batches skipped because their (machine, seq) was already stored.
    public var duplicates: Int

    public init(stored: Int, duplicates: Int) {
        self.stored = stored
        self.duplicates = duplicates
    }
}

/// Size figures for `smsctl status` and the compression benchmark.
public struct HistoryStats: Sendable, Equatable {
    /// Raw samples stored (sealed and not yet sealed).
    public var samples: Int
    /// Bytes the raw tier takes on disk: compressed blocks and their index, plus the not-yet-sealed log.
    public var rawBytes: Int
    /// Bytes of the whole database (rollups, series dictionary, free pages included).
    public var totalBytes: Int

    public init(samples: Int, rawBytes: Int, totalBytes: Int) {
        self.samples = samples
        self.rawBytes = rawBytes
        self.totalBytes = totalBytes
    }

    /// Raw-tier bytes per stored sample (0 when empty).
    public var bytesPerSample: Double { samples == 0 ? 0 : Double(rawBytes) / Double(samples) }
}

/// A collector buffer's sequence epoch: a random id made with the buffer, and where the buffer's seq 0 lies in the
/// machine's stored sequence. A collector whose buffer was lost starts again at seq 1 under a new id; the hub then
/// numbers its batches after everything already stored (`base` = the high-water mark at the switch), so none of
/// them is mistaken for a replay and dropped.
public struct SeqEpoch: Sendable, Equatable {
    public var id: UInt64
    public var base: UInt64
    public init(id: UInt64, base: UInt64) {
        self.id = id
        self.base = base
    }
}

/// Where samples are kept over time: embedded SQLite, PostgreSQL, or memory in tests.
///
/// Assumption every implementation relies on: each machine's collector sends its batches in `seq` order and
/// replays in order after a reconnect, so a `seq` at or below a machine's high-water mark is a duplicate.
public protocol HistoryStore: Sendable {
    /// Stores the batches durably (one transaction for the whole call) before returning. A (machine, seq)
    /// already stored, or seen earlier in the same call, is skipped and counted as a duplicate.
    @discardableResult
    func append(_ batches: [Batch]) async throws -> AppendResult
    /// The highest seq stored for the machine such that every accepted batch up to it is durable (nil if none).
    func highWater(machine: String) async throws -> UInt64?
    /// The sequence epoch the machine's collector last streamed with (nil before the first).
    func epoch(machine: String) async throws -> SeqEpoch?
    /// Records the machine's current sequence epoch, durably, before any batch of it is stored.
    func setEpoch(_ epoch: SeqEpoch, machine: String) async throws
    /// The matching series' points in the range, at the requested or chosen tier; series without points
    /// in the range are left out. Sorted by series key.
    func query(_ q: HistoryQuery) async throws -> [HistorySeries]
    /// Every series key known for a machine, sorted (for the dashboard's pickers).
    func series(machine: String) async throws -> [SeriesKey]
    /// Deletes raw samples and rollups older than the retention allows, counted back from `nowMs`.
    func enforceRetention(_ retention: Retention, nowMs: Int64) async throws
    /// Seals open chunks and writes everything, then closes. Safe to call once; later calls fail.
    func close() async throws
    /// Samples stored and the bytes they take.
    func stats() async throws -> HistoryStats
    /// Writes what the gap ledger learned, in one transaction: closed gaps (a gap with the same machine and start
    /// replaces the earlier record) and the machines' cursors.
    func recordGaps(_ update: GapUpdate) async throws
    /// The gap records of `machine` (every machine when nil): cursors, and closed gaps overlapping [fromMs, toMs).
    func gaps(machine: String?, fromMs: Int64, toMs: Int64) async throws -> [String: MachineGaps]
}

/// A history store problem a person can act on.
public struct HistoryStoreError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    static let closed = HistoryStoreError("history store is closed; it cannot be used after close()")
}
