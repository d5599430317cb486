import SMSCore
import Foundation
import Logging

/// The collector's durable buffer: every batch is written here before it is sent and kept until acknowledged.
///
/// Records go to append-only segment files with one `write(2)` each, so a collector killed with SIGKILL
/// loses nothing it had written (the kernel holds the page). A record is `[u32 length][u32 crc32][payload]`;
/// a torn last record (power loss mid-write) fails its checksum and is dropped on open, never misread.
/// The buffer is bounded by age (the spec's `buffer`) and by bytes; on overflow the oldest segment goes, and
/// every batch in it is counted in `droppedBatches`. A segment spans at most an eighth of the age limit, so the
/// age limit holds to within that (a 1 MiB segment of small batches would otherwise span a quarter of an hour).
public final class DiskBuffer: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `lock`.
    public struct Limits: Sendable {
        public var maxAgeMs: Int64
        public var maxBytes: Int64
        public var segmentBytes: Int64
        /// While the disk cannot be written (full, read-only, failing), batches wait in memory up to this many
        /// bytes for the hub's acknowledgement.
        public var memoryBytes: Int64
        public init(maxAgeMs: Int64 = 3_600_000, maxBytes: Int64 = 64 << 20, segmentBytes: Int64 = 1 << 20,
                    memoryBytes: Int64 = 16 << 20) {
            self.maxAgeMs = maxAgeMs
            self.maxBytes = maxBytes
            self.segmentBytes = max(4096, segmentBytes)
            self.memoryBytes = memoryBytes
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
    private let droppedFile: NumberFile
    /// The dropped count could not be written (a full disk); written again once the disk takes a batch.
    private var droppedUnsaved = false
    /// Batches the disk would not take, oldest first, with their estimated size; and why the disk refused.
    private var held: [(batch: Snapshot, seq: UInt64, bytes: Int64)] = []
    private var heldBytes: Int64 = 0
    private var diskFailure: String?
    /// The last batches written to disk, newest last: the live stream sends them without reading them back.
    private var recent: [(seq: UInt64, snapshot: Snapshot)] = []
    private static let recentLimit = 8

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
        droppedFile = try NumberFile(url: directory.appendingPathComponent("dropped"))
        dropped = droppedFile.read()
        // Each number file holds its line from the start, so rewriting it never needs space a full disk lacks.
        ackFile.write(ackedSeq)
        droppedFile.write(dropped)
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
    }

    /// The sequence number the next appended batch gets.
    public var nextSeq: UInt64 { lock.withLock { lastSeq + 1 } }
    public var acknowledged: UInt64 { lock.withLock { ackedSeq } }
    /// Batches dropped on overflow since the buffer was created (persisted across restarts).
    public var droppedBatches: UInt64 { lock.withLock { dropped } }
    /// The buffer's sequence epoch (sent as `sms-epoch`): random, never 0.
    public var epoch: UInt64 { lock.withLock { epochId } }
    /// Batches written but not yet acknowledged (on disk or held in memory).
    public var backlog: UInt64 {
        lock.withLock { UInt64(segments.reduce(0) { $0 + $1.records.filter { $0.seq > ackedSeq }.count } + held.count) }
    }
    /// Why the disk is not being written (nil while it is), e.g. "no space left on device".
    public var failure: String? { lock.withLock { diskFailure } }
    public var bytesOnDisk: Int64 { lock.withLock { segments.reduce(0) { $0 + $1.size } } }

    /// Numbers a snapshot and writes it durably; returns its sequence number. When the disk refuses (full,
    /// read-only, failing) the batch waits in memory instead, up to `memoryBytes`, and is still sent: a healthy
    /// hub loses nothing to a full collector disk. Said once in the log when it starts and when it ends.
    @discardableResult
    public func append(_ snapshot: Snapshot) -> UInt64 {
        lock.withLock {
            let seq = lastSeq + 1
            do {
                try write(snapshot, seq: seq)
                recent.append((seq, snapshot))
                if recent.count > Self.recentLimit { recent.removeFirst() }
                if droppedUnsaved { droppedUnsaved = !droppedFile.write(dropped) }
                if let was = diskFailure {
                    diskFailure = nil
                    logger.notice("buffer writable again", metadata: ["path": "\(directory.path)", "was": "\(was)"])
                }
            } catch {
                hold(snapshot, seq: seq, because: "\(error)")
            }
            lastSeq = seq
            enforceLimits(nowMs: snapshot.timestampMs)
            return seq
        }
    }

    private func write(_ snapshot: Snapshot, seq: UInt64) throws {
        let payload = try BufferRecordCodec.encode(snapshot: snapshot, catalog: catalog)
        let spanMs = max(1000, limits.maxAgeMs / 8)
        if segments.isEmpty || segments[segments.count - 1].size >= limits.segmentBytes
            || (segments[segments.count - 1].records.first.map { snapshot.timestampMs - $0.timestampMs >= spanMs } ?? false)
        {
            let name = String(format: "seg-%020llu.pb", seq)
            segments.append(try BufferSegment(url: directory.appendingPathComponent(name)))
        }
        try segments[segments.count - 1].append(seq: seq, timestampMs: snapshot.timestampMs, payload: payload)
    }

    /// Keeps a batch the disk would not take in memory; over `memoryBytes` the oldest held ones are dropped
    /// and counted.
    private func hold(_ snapshot: Snapshot, seq: UInt64, because failure: String) {
        if diskFailure == nil {
            logger.error("cannot write the buffer; batches wait in memory until the hub acknowledges them", metadata: [
                "path": "\(directory.path)", "error": "\(failure)", "memory_cap_bytes": "\(limits.memoryBytes)",
            ])
        }
        diskFailure = failure
        recent.removeAll()
        let bytes = Int64(64 + snapshot.samples.count * 48 + snapshot.top.count * 96)
        held.append((snapshot, seq, bytes))
        heldBytes += bytes
        var lost: [UInt64] = []
        while heldBytes > limits.memoryBytes, held.count > 1 {
            let oldest = held.removeFirst()
            heldBytes -= oldest.bytes
            lost.append(oldest.seq)
        }
        if let first = lost.first { countDropped(lost.count, firstSeq: first, why: "buffer disk unwritable and memory cap reached") }
    }

    /// Batches after `seq`, oldest first, at most `limit` of them: from the disk and from memory.
    public func batches(after seq: UInt64, machine: String, limit: Int = 256) throws -> [Batch] {
        try lock.withLock {
            // Live: everything asked for was just written (and nothing waits in memory), so it is at hand.
            if held.isEmpty, let first = recent.first, seq + 1 >= first.seq {
                return recent.lazy.filter { $0.seq > seq }.prefix(limit).map {
                    Batch(machine: machine, seq: $0.seq, snapshot: $0.snapshot)
                }
            }
            var out: [Batch] = []
            disk: for segment in segments where (segment.records.last?.seq ?? 0) > seq {
                for record in segment.records where record.seq > seq {
                    let payload = try segment.read(record)
                    out.append(
                        try BufferRecordCodec.decode(
                            payload, seq: record.seq, timestampMs: record.timestampMs, machine: machine, catalog: catalog))
                    if out.count >= limit { break disk }
                }
            }
            guard !held.isEmpty else { return out }
            out += held.lazy.filter { $0.seq > seq }.prefix(limit).map { Batch(machine: machine, seq: $0.seq, snapshot: $0.batch) }
            out.sort { $0.seq < $1.seq }
            return Array(out.prefix(limit))
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
            while let first = held.first, first.seq <= ackedSeq { heldBytes -= held.removeFirst().bytes }
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
            if !lost.isEmpty { countDropped(lost.count, firstSeq: lost[0].seq, why: "buffer full") }
            try? segments.removeFirst().remove()
        }
    }

    /// Counts batches lost for good, in the log and in the `dropped` file (reported as
    /// `collector.buffer_dropped_batches` with every batch).
    private func countDropped(_ count: Int, firstSeq: UInt64, why: String) {
        dropped += UInt64(count)
        logger.warning("\(why): dropped oldest unacknowledged batches", metadata: [
            "count": "\(count)", "first_seq": "\(firstSeq)", "total_dropped": "\(dropped)",
        ])
        droppedUnsaved = !droppedFile.write(dropped)
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

}
