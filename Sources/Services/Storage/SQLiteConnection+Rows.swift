import SMSCore
import NIOCore
import SQLiteNIO

extension SQLiteConnection {
    /// SQLite accepts at most 32766 bound variables per statement; stay below it.
    private static let maxBinds = 30_000

    /// Runs `head VALUES (?, …), (?, …) tail` for all rows, in as few statements as the variable limit allows:
    /// one statement per few thousand rows instead of one per row is what makes appends cheap.
    func insertRows(_ head: String, columns: Int, rows: [[SQLiteData]], tail: String = "") async throws {
        guard !rows.isEmpty else { return }
        let tuple = "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")"
        let perStatement = max(1, Self.maxBinds / columns)
        var start = 0
        while start < rows.count {
            let slice = rows[start..<min(rows.count, start + perStatement)]
            let values = Array(repeating: tuple, count: slice.count).joined(separator: ",")
            _ = try await query("\(head) VALUES \(values) \(tail)", slice.flatMap { $0 })
            start += slice.count
        }
    }
}

extension SQLiteData {
    static func int(_ value: Int64) -> SQLiteData { .integer(Int(value)) }

    /// Sequence numbers are stored as their signed bit pattern; only the store reads them back.
    static func seq(_ value: UInt64?) -> SQLiteData { value.map { .integer(Int(Int64(bitPattern: $0))) } ?? .null }

    static func bytes(_ value: [UInt8]) -> SQLiteData { .blob(ByteBuffer(bytes: value)) }

    /// A REAL column; NaN becomes NULL in SQLite anyway, so say so explicitly.
    static func real(_ value: Double) -> SQLiteData { value.isNaN ? .null : .float(value) }
}

extension SQLiteRow {
    /// An integer column, or a clear error naming the column when it is missing or not an integer.
    func int64(_ name: String) throws -> Int64 {
        guard let value = column(name)?.integer else {
            throw HistoryStoreError("history database: column \(name) is missing or not an integer")
        }
        return Int64(value)
    }

    /// A sequence column written by `SQLiteData.seq`; nil when NULL.
    func seq(_ name: String) -> UInt64? {
        column(name)?.integer.map { UInt64(bitPattern: Int64($0)) }
    }

    func double(_ name: String) -> Double { column(name)?.double ?? .nan }

    func string(_ name: String) throws -> String {
        guard let value = column(name)?.string else {
            throw HistoryStoreError("history database: column \(name) is missing or not text")
        }
        return value
    }

    func bytes(_ name: String) throws -> [UInt8] {
        guard var buffer = column(name)?.blob else {
            throw HistoryStoreError("history database: column \(name) is missing or not a blob")
        }
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}
