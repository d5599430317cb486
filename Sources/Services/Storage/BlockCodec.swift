import SMSCore

/// The samples of one series inside a block: which of the block's timestamps it has, and its values.
struct BlockColumn: Sendable, Equatable {
    /// Indexes into the block's timestamps, ascending.
    var rows: [Int32] = []
    var values: [Double] = []
}

/// The stored form of a sealed block: one machine's batches over a stretch of time, one column per series.
///
/// Layout (bytes): version, varint batch count, varint length + delta-of-delta timestamps, varint column count,
/// then per column: varint series id, varint length, column bits (presence + `ValueColumn`).
/// Every series of a machine shares the batch's timestamp, so timestamps are stored once per block rather
/// than once per series: with 40 series that makes them nearly free even when the collector's clock jitters.
/// Columns are length-prefixed so a query decodes only the series it asks for.
enum BlockCodec {
    static let version: UInt8 = 1

    /// Encodes a block; `columns` rows must index into `times`.
    static func encode(times: [Int64], columns: [Int64: BlockColumn]) -> [UInt8] {
        var out = ByteWriter(capacity: 64 + columns.count * times.count)
        out.writeBytes([version])
        out.writeVarint(times.count)
        var timeBits = BitWriter(capacity: times.count)
        GorillaChunk.encodeTimes(times, into: &timeBits)
        let timeBytes = timeBits.finish()
        out.writeVarint(timeBytes.count)
        out.writeBytes(timeBytes)
        let present = columns.filter { !$0.value.values.isEmpty }
        out.writeVarint(present.count)
        for (seriesId, column) in present.sorted(by: { $0.key < $1.key }) {
            let bytes = encodeColumn(column, rowCount: times.count)
            out.writeVarint(UInt64(seriesId))
            out.writeVarint(bytes.count)
            out.writeBytes(bytes)
        }
        return out.bytes
    }

    /// Decodes the timestamps and the columns of `wanted` series (all columns when nil).
    static func decode(_ bytes: [UInt8], wanted: Set<Int64>? = nil) throws(CodecError)
        -> (times: [Int64], columns: [Int64: BlockColumn])
    {
        var reader = ByteReader(bytes)
        guard try reader.readBytes(1) == [version] else { throw .corrupt("unknown block version") }
        let count = try reader.readCount()
        var timeReader = BitReader(try reader.readBytes(try reader.readCount(limit: bytes.count)))
        let times = try GorillaChunk.decodeTimes(count: count, from: &timeReader)
        var columns: [Int64: BlockColumn] = [:]
        for _ in 0..<(try reader.readCount(limit: bytes.count)) {
            let seriesId = Int64(bitPattern: try reader.readVarint())
            let length = try reader.readCount(limit: bytes.count)
            guard wanted?.contains(seriesId) ?? true else {
                try reader.skip(length)
                continue
            }
            columns[seriesId] = try decodeColumn(try reader.readBytes(length), rowCount: count)
        }
        return (times, columns)
    }

    /// Presence (one bit when the series is in every batch, else a bitmap), then the values.
    private static func encodeColumn(_ column: BlockColumn, rowCount: Int) -> [UInt8] {
        var bits = BitWriter(capacity: column.values.count * 2 + 16)
        if column.rows.count == rowCount {
            bits.writeBit(true)
        } else {
            bits.writeBit(false)
            var present = [Bool](repeating: false, count: rowCount)
            for row in column.rows { present[Int(row)] = true }
            for flag in present { bits.writeBit(flag) }
        }
        ValueColumn.encode(column.values, into: &bits)
        return bits.finish()
    }

    private static func decodeColumn(_ bytes: [UInt8], rowCount: Int) throws(CodecError) -> BlockColumn {
        var bits = BitReader(bytes)
        var rows: [Int32] = []
        if try bits.readBit() {
            rows = (0..<Int32(rowCount)).map { $0 }
        } else {
            for row in 0..<rowCount {
                if try bits.readBit() { rows.append(Int32(row)) }
            }
        }
        return BlockColumn(rows: rows, values: try ValueColumn.decode(count: rows.count, from: &bits))
    }
}
