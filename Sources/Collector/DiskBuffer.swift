import SMSCore
import Foundation
import Logging

/// The collector's durable buffer: every batch is written here before it is sent and kept until acknowledged.
///
/// Records go to append-only segment files with one `write(2)` each, so a collector killed with SIGKILL
/// loses nothing it had written (the kernel holds the page). A record is `[u32 length][u32 crc32][payload]`;
/// a torn last record (power loss mid-write) fails its checksum and is dropped on open, never misread.
/// The buffer is bounded by age (the spec's `buffer`) and by bytes; on overflow the oldest segment goes, and
/// every batch in it is counted in `droppedBatches`.
public final class DiskBuffer: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `lock`.
    public struct Limits: Sendable {
        public var maxAgeMs: Int64
        public var maxBytes: Int64
        public var segmentBytes: Int64
        public init(maxAgeMs: Int64 = 3_600_000, maxBytes: Int64 = 64 << 20, segmentBytes: Int64 = 1 << 20) {
            self.maxAgeMs = maxAgeMs
            self.maxBytes = maxBytes
            self.segmentBytes = max(4096, segmentBytes)
        }
    }

    private let directory: URL
    private let limits: Limits
    private let logger: Logger
    private let lock = NSLock()
    private var segments: [BufferSegment] = []
    private var ackedSeq: UInt64
    private var lastSeq: UInt64
    private var dropped: UInt64 = 0
    private let catalog: SeriesCatalogFile
    private let ackFile: NumberFile
    private let epochFile: NumberFile
    private var epochId: UInt64

    /// Opens (or creates) the buffer in `directory`, recovering every intact record.
    public init(directory: URL, limits: Limits = Limits(), logger: Logger) throws {
        self.directory = directory
        self.limits = limits
        self.logger = logger
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        Self.setAsideFormat1(directory, logger: logger)
        catalog = try SeriesCatalogFile(url: directory.appendingPathComponent("series.pb"))
        ackFile = try NumberFile(url: directory.appendingPathComponent("acked"))
        ackedSeq = ackFile.read()
        // The buffer's sequence epoch: made with the buffer, so a lost buffer (seq back at 1) is a new epoch.
        epochFile = try NumberFile(url: directory.appendingPathComponent("epoch"))
        epochId = epochFile.read()
        if epochId == 0 {
            epochId = Self.newEpoch()
            try epochFile.writeDurably(epochId)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("seg-") && $0.hasSuffix(".pb") }.sorted()
        for name in names {
            let segment = try BufferSegment(url: directory.appendingPathComponent(name))
            if segment.records.isEmpty && name != names.last { try? segment.remove(); continue }
            segments.append(segment)
        }
        lastSeq = max(ackedSeq, segments.last?.records.last?.seq ?? 0)
        dropped = Self.readDropped(directory)
    }

    /// The sequence number the next appended batch gets.
    public var nextSeq: UInt64 { lock.withLock { lastSeq + 1 } }
    public var acknowledged: UInt64 { lock.withLock { ackedSeq } }
    /// Batches dropped on overflow since the buffer was created (persisted across restarts).
    public var droppedBatches: UInt64 { lock.withLock { dropped } }
    /// The buffer's sequence epoch (sent as `sms-epoch`): random, never 0.
    public var epoch: UInt64 { lock.withLock { epochId } }
    /// Batches written but not yet acknowledged.
    public var backlog: UInt64 {
        lock.withLock { UInt64(segments.reduce(0) { $0 + $1.records.filter { $0.seq > ackedSeq }.count }) }
    }
    public var bytesOnDisk: Int64 { lock.withLock { segments.reduce(0) { $0 + $1.size } } }

    /// Numbers and durably writes a snapshot; returns its sequence number.
    @discardableResult
    public func append(_ snapshot: Snapshot) throws -> UInt64 {
        try lock.withLock {
            let seq = lastSeq + 1
            let payload = try BufferRecordCodec.encode(snapshot: snapshot, catalog: catalog)
            if segments.isEmpty || segments[segments.count - 1].size >= limits.segmentBytes {
                let name = String(format: "seg-%020llu.pb", seq)
                segments.append(try BufferSegment(url: directory.appendingPathComponent(name)))
            }
            try segments[segments.count - 1].append(seq: seq, timestampMs: snapshot.timestampMs, payload: payload)
            lastSeq = seq
            enforceLimits(nowMs: snapshot.timestampMs)
            return seq
        }
    }

    /// Batches after `seq`, oldest first, at most `limit` of them.
    public func batches(after seq: UInt64, machine: String, limit: Int = 256) throws -> [Batch] {
        try lock.withLock {
            var out: [Batch] = []
            for segment in segments where (segment.records.last?.seq ?? 0) > seq {
                for record in segment.records where record.seq > seq {
                    let payload = try segment.read(record)
                    out.append(
                        try BufferRecordCodec.decode(
                            payload, seq: record.seq, timestampMs: record.timestampMs, machine: machine, catalog: catalog))
                    if out.count >= limit { return out }
                }
            }
            return out
        }
    }

    /// Marks every batch up to `seq` as stored by the hub; whole segments that are acknowledged are deleted.
    /// False, with nothing dropped, when `seq` is beyond the last batch written: the hub holds more of this
    /// epoch than this buffer ever sent (the buffer was restored or replaced, or another sender used the
    /// machine's token), so what it would acknowledge was not stored from here; see `startNewEpoch`.
    @discardableResult
    public func acknowledge(_ seq: UInt64) -> Bool {
        lock.withLock {
            guard seq <= lastSeq else { return false }
            guard seq > ackedSeq else { return true }
            ackedSeq = seq
            while segments.count > 1, let last = segments[0].records.last, last.seq <= ackedSeq {
                try? segments.removeFirst().remove()
            }
            // Losing this write only means a replay the hub deduplicates, so it is written without fsync.
            ackFile.write(ackedSeq)
            return true
        }
    }

    /// A new sequence epoch: the hub numbers this buffer's batches after everything it stored, so the
    /// unacknowledged ones are sent again and kept rather than taken for replays. Returns the new id.
    @discardableResult
    public func startNewEpoch() throws -> UInt64 {
        try lock.withLock {
            let next = Self.newEpoch()
            try epochFile.writeDurably(next)
            epochId = next
            return next
        }
    }

    private static func newEpoch() -> UInt64 { UInt64.random(in: 1...UInt64.max) }

    /// Drops the oldest segments while the buffer is over its byte cap or holds batches older than its age limit.
    private func enforceLimits(nowMs: Int64) {
        func total() -> Int64 { segments.reduce(0) { $0 + $1.size } }
        while segments.count > 1 {
            let oldest = segments[0]
            let tooOld = (oldest.records.last?.timestampMs ?? .max) < nowMs - limits.maxAgeMs
            guard tooOld || total() > limits.maxBytes else { break }
            let lost = oldest.records.filter { $0.seq > ackedSeq }
            if !lost.isEmpty {
                dropped += UInt64(lost.count)
                logger.warning(
                    "buffer full: dropped oldest unacknowledged batches",
                    metadata: ["count": "\(lost.count)", "first_seq": "\(lost[0].seq)", "total_dropped": "\(dropped)"])
                try? Data("\(dropped)\n".utf8).write(to: directory.appendingPathComponent("dropped"), options: .atomic)
            }
            try? segments.removeFirst().remove()
        }
    }

    /// Buffers written before sms 0.2 held records in a format of their own (`series.log`, `seg-*.log`). Their
    /// files are moved to `format-1/` (never deleted) and said so, with how many batches were not yet acknowledged.
    private static func setAsideFormat1(_ directory: URL, logger: Logger) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory.path) else { return }
        let old = names.filter { $0 == "series.log" || ($0.hasPrefix("seg-") && $0.hasSuffix(".log")) }
        guard !old.isEmpty else { return }
        let aside = directory.appendingPathComponent("format-1")
        try? fm.createDirectory(at: aside, withIntermediateDirectories: true)
        for name in old { try? fm.moveItem(at: directory.appendingPathComponent(name), to: aside.appendingPathComponent(name)) }
        logger.warning(
            "buffer of an older collector set aside: its unacknowledged batches are not replayed",
            metadata: ["path": "\(aside.path)", "files": "\(old.count)"])
    }

    private static func readDropped(_ dir: URL) -> UInt64 { readNumber(dir.appendingPathComponent("dropped")) }
    private static func readNumber(_ url: URL) -> UInt64 {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return 0 }
        return UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }
}
