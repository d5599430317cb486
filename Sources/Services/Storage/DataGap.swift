/// An interval in which a machine's history has no samples, or had none when it should have (docs/gaps.md).
///
/// `fromMs` is when the first missing sample was due and `toMs` when the next present one was taken: the gap is
/// the half-open interval [fromMs, toMs).
public struct DataGap: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The link (or the hub) was down; the collector's buffer delivered the samples later. Nothing is missing.
        case backFilled = "back_filled"
        /// The collector's buffer overflowed: it dropped `batches` batches for good.
        case lost
        /// No sample was taken: the collector (or its machine) was not running.
        case machineDown = "machine_down"
        /// Still missing now: the machine is silent, and its buffer may yet deliver.
        case open

        /// Whether the interval counts against completeness (back-filled samples are all there).
        public var isMissing: Bool { self != .backFilled }
    }

    public var kind: Kind
    public var fromMs: Int64
    public var toMs: Int64
    /// Batches the collector dropped (lost gaps); 0 otherwise.
    public var batches: UInt64

    public init(kind: Kind, fromMs: Int64, toMs: Int64, batches: UInt64 = 0) {
        self.kind = kind
        self.fromMs = fromMs
        self.toMs = toMs
        self.batches = batches
    }

    public var durationMs: Int64 { toMs - fromMs }

    /// The part of the gap inside [fromMs, toMs), in ms.
    func overlap(fromMs: Int64, toMs: Int64) -> Int64 { max(0, min(self.toMs, toMs) - max(self.fromMs, fromMs)) }
}

/// Where the gap ledger stands for one machine: since when it has data, and its newest stored batch (the hub's
/// numbering) when the ledger last wrote, so a restarted hub can continue from it.
public struct GapCursor: Sendable, Equatable {
    public var sinceMs: Int64
    public var seq: UInt64
    public var lastMs: Int64

    public init(sinceMs: Int64, seq: UInt64, lastMs: Int64) {
        self.sinceMs = sinceMs
        self.seq = seq
        self.lastMs = lastMs
    }
}

/// One machine's gap record as the history store keeps it.
public struct MachineGaps: Sendable, Equatable {
    public var cursor: GapCursor?
    /// Closed gaps, oldest first.
    public var gaps: [DataGap]

    public init(cursor: GapCursor?, gaps: [DataGap]) {
        self.cursor = cursor
        self.gaps = gaps
    }
}

/// What the ledger writes in one go: new closed gaps and the cursors that moved.
public struct GapUpdate: Sendable, Equatable {
    public var gaps: [String: [DataGap]]
    public var cursors: [String: GapCursor]

    public init(gaps: [String: [DataGap]] = [:], cursors: [String: GapCursor] = [:]) {
        self.gaps = gaps
        self.cursors = cursors
    }

    public var isEmpty: Bool { gaps.isEmpty && cursors.isEmpty }
}

/// A machine's share of time with data over the last hour, day and week.
public struct Completeness: Sendable, Codable, Equatable {
    public static let windows: [(name: String, ms: Int64)] = [("1h", 3_600_000), ("24h", 86_400_000), ("7d", 604_800_000)]

    /// 0…1 per window name; a window is left out while the machine has no data at all.
    public var ratios: [String: Double]

    public init(ratios: [String: Double]) { self.ratios = ratios }

    /// Over each window ending at `nowMs`, counted from when the machine's data begins (`sinceMs`): the share
    /// not covered by missing gaps (lost, machine down, open). Back-filled gaps count as complete.
    public init(gaps: [DataGap], sinceMs: Int64?, nowMs: Int64) {
        var ratios: [String: Double] = [:]
        if let sinceMs {
            for (name, width) in Self.windows {
                let start = max(nowMs - width, sinceMs)
                guard nowMs > start else { continue }
                let missing = gaps.filter(\.kind.isMissing).reduce(Int64(0)) { $0 + $1.overlap(fromMs: start, toMs: nowMs) }
                ratios[name] = max(0, 1 - Double(missing) / Double(nowMs - start))
            }
        }
        self.ratios = ratios
    }
}

extension MachineGaps {
    /// The gap still open at `nowMs`: the machine silent for longer than `silentAfterMs` since its newest sample.
    public static func openGap(lastSampleMs: Int64?, intervalMs: Int64, silentAfterMs: Int64, nowMs: Int64) -> DataGap? {
        guard let last = lastSampleMs, nowMs - last > silentAfterMs else { return nil }
        return DataGap(kind: .open, fromMs: last + intervalMs, toMs: nowMs)
    }
}
