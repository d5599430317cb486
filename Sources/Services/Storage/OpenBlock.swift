import SMSCore

/// A machine's batches not yet sealed into a block: kept in memory (and in the write-ahead table on disk)
/// until enough have arrived to compress well.
///
/// Columns sit in an array in order of first appearance; a batch that lists its series in the same order as
/// the one before (the usual case) finds each column by position, with no hashing.
struct OpenBlock: Sendable {
    private(set) var times: [Int64] = []
    private(set) var firstSeq: UInt64?
    private(set) var lastSeq: UInt64?
    private(set) var sampleCount = 0
    private var ids: [Int64] = []
    private var store: [BlockColumn] = []
    private var slots: [Int64: Int] = [:]
    /// The column of each position of the last batch.
    private var lastSlots = PositionalMemo<Int64, Int>()

    var isEmpty: Bool { times.isEmpty }
    var batchCount: Int { times.count }
    /// Every column by series id.
    var columns: [Int64: BlockColumn] { Dictionary(uniqueKeysWithValues: zip(ids, store)) }

    /// Adds one batch; a series listed twice in the batch keeps its last value.
    mutating func append(seq: UInt64, time: Int64, samples: [(seriesId: Int64, value: Double)]) {
        let row = Int32(times.count)
        times.append(time)
        if firstSeq == nil { firstSeq = seq }
        lastSeq = seq
        for (i, (seriesId, value)) in samples.enumerated() {
            let slot = slot(of: seriesId, at: i)
            if store[slot].rows.last == row {
                store[slot].values[store[slot].values.count - 1] = value
                continue
            }
            store[slot].rows.append(row)
            store[slot].values.append(value)
            sampleCount += 1
        }
    }

    /// The column of `seriesId`, at position `index` of the batch: the last batch's column there when it is the
    /// same series, else looked up or made.
    private mutating func slot(of seriesId: Int64, at index: Int) -> Int {
        if let known = lastSlots.value(at: index, for: seriesId) { return known }
        let slot: Int
        if let known = slots[seriesId] {
            slot = known
        } else {
            slot = store.count
            slots[seriesId] = slot
            ids.append(seriesId)
            store.append(BlockColumn())
        }
        lastSlots.remember(slot, at: index, for: seriesId)
        return slot
    }

    /// The block as stored in the `blocks` table.
    func encoded() -> [UInt8] { BlockCodec.encode(times: times, columns: columns) }

    /// One series' samples within [from, to], in arrival order.
    func samples(of seriesId: Int64, from: Int64, to: Int64) -> [(t: Int64, value: Double)] {
        guard let slot = slots[seriesId] else { return [] }
        return Self.samples(store[slot], times: times, from: from, to: to)
    }

    /// Per-bucket rollups of every series, oldest bucket first.
    func rollups(width: Int64, only wanted: Set<Int64>? = nil) -> [Int64: [(bucket: Int64, rollup: Rollup)]] {
        var result: [Int64: [(bucket: Int64, rollup: Rollup)]] = [:]
        for (seriesId, column) in zip(ids, store) where wanted?.contains(seriesId) ?? true {
            let columnTimes = column.rows.map { times[Int($0)] }
            result[seriesId] = Rollup.buckets(times: columnTimes, values: column.values, width: width)
        }
        return result
    }

    /// A column's samples within [from, to]; shared with the decoding of sealed blocks.
    static func samples(_ column: BlockColumn, times: [Int64], from: Int64, to: Int64) -> [(t: Int64, value: Double)] {
        var result: [(t: Int64, value: Double)] = []
        for (row, value) in zip(column.rows, column.values) {
            let time = times[Int(row)]
            if time >= from && time <= to { result.append((time, value)) }
        }
        return result
    }
}

extension OpenBlock {
    /// How many batches a machine's block holds before it is sealed: `blockBatches`, except for the first block a
    /// store seals for the machine, which ends at a point of the machine's own between half and all of it. Machines
    /// that started together (a fleet after `apply`, a benchmark) would otherwise all seal on the same tick, every
    /// block; a block is ~10 KB of compression and a few hundred rollup rows, and 10,000 of them at once stalled
    /// appends for ~6 s. Spread, they cost the same spread over the whole span.
    static func sealPoint(machineId: Int64, blockBatches: Int, sealedBefore: Bool) -> Int {
        guard !sealedBefore, blockBatches > 1 else { return blockBatches }
        let spread = UInt64(blockBatches / 2)
        let mixed = (UInt64(bitPattern: machineId) &* 0x9E37_79B9_7F4A_7C15) >> 32
        return blockBatches - Int(mixed % spread)
    }
}

/// A machine as both stores keep it for appending: its open block, high-water mark, and whether a block of it was
/// sealed here yet.
protocol OpenBlockHolder {
    var blockOwnerId: Int64 { get }
    var highWater: UInt64? { get set }
    var sealedHere: Bool { get }
    var open: OpenBlock { get set }
}

extension OpenBlock {
    /// One machine's batches of an append call, in seq order, into its open block; the loop both stores share.
    /// A seq at or below the mark is a duplicate. The block is sealed (by `seal`, which empties it) before a batch
    /// that would make it span more than `spanMs`, and once it holds its seal point. Returns the batches not sealed
    /// by the end: the call's write-ahead record for the machine.
    static func appendRun<Machine: OpenBlockHolder>(
        _ run: ArraySlice<Batch>, to machine: inout Machine, blockBatches: Int, spanMs: Int64,
        result: inout AppendResult, seriesId: (SeriesKey, Int, inout Machine) -> Int64, seal: (inout Machine) -> Void
    ) -> [WALRecord.Entry] {
        var pending: [WALRecord.Entry] = []
        for batch in run {
            if let highWater = machine.highWater, batch.seq <= highWater {
                result.duplicates += 1
                continue
            }
            var samples: [(seriesId: Int64, value: Double)] = []
            samples.reserveCapacity(batch.samples.count)
            for (index, sample) in batch.samples.enumerated() {
                samples.append((seriesId(sample.series, index, &machine), sample.value))
            }
            if let start = machine.open.times.first, batch.timestampMs - start >= spanMs {
                seal(&machine)
                pending.removeAll()
            }
            machine.open.append(seq: batch.seq, time: batch.timestampMs, samples: samples)
            machine.highWater = batch.seq
            pending.append((batch.seq, batch.timestampMs, samples))
            result.stored += 1
            let point = sealPoint(machineId: machine.blockOwnerId, blockBatches: blockBatches, sealedBefore: machine.sealedHere)
            if machine.open.batchCount >= point {
                seal(&machine)
                pending.removeAll()
            }
        }
        return pending
    }
}

/// One write-ahead record: the batches one `append` call accepted for one machine, with series as ids.
///
/// Layout: varint batch count; per batch: varint seq, zigzag varint timestamp, varint sample count, then per
/// sample a varint series id and the value's 8 bytes. Uncompressed on purpose: it lives only until sealed.
enum WALRecord {
    typealias Entry = (seq: UInt64, time: Int64, samples: [(seriesId: Int64, value: Double)])

    static func encode(_ entries: [Entry]) -> [UInt8] {
        var out = ByteWriter(capacity: 16 + entries.reduce(0) { $0 + 8 + $1.samples.count * 10 })
        out.writeVarint(entries.count)
        for entry in entries {
            out.writeVarint(entry.seq)
            out.writeSignedVarint(entry.time)
            out.writeVarint(entry.samples.count)
            for sample in entry.samples {
                out.writeVarint(UInt64(sample.seriesId))
                out.writeDouble(sample.value)
            }
        }
        return out.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(CodecError) -> [Entry] {
        var reader = ByteReader(bytes)
        let count = try reader.readCount(limit: bytes.count)
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let seq = try reader.readVarint()
            let time = try reader.readSignedVarint()
            let sampleCount = try reader.readCount(limit: bytes.count)
            var samples: [(seriesId: Int64, value: Double)] = []
            samples.reserveCapacity(sampleCount)
            for _ in 0..<sampleCount {
                samples.append((Int64(bitPattern: try reader.readVarint()), try reader.readDouble()))
            }
            entries.append((seq, time, samples))
        }
        return entries
    }
}
