import SMSCore
import Logging
import NIOPosix
import SQLiteNIO
import Spec

/// History in one embedded SQLite file: compressed per-machine blocks, a write-ahead table for batches not
/// yet sealed, and 1-minute / 1-hour rollup tables.
///
/// `append` commits a write-ahead record per machine in one transaction before it returns, so an
/// acknowledged batch survives a crash of the process; once a machine's open block holds `blockBatches`
/// batches (or spans `blockSpanMs`) it is compressed into `blocks` and its rollups are merged in, in the
/// same transaction that deletes the write-ahead records it covers. A machine's row is written when it is new
/// and at each seal; in between its high-water mark is the newest seq of its write-ahead records. Queries merge sealed blocks with the
/// open ones. One writer per file: two stores appending to the same file would disagree on ids.
public actor SQLiteHistoryStore: HistoryStore {
    /// When a machine's open block is sealed.
    public struct Options: Sendable {
        /// Batches per block; ~240 is where compression stops improving much.
        public var blockBatches: Int
        /// A block never spans more than this, so slow machines (`interval: 1m`) still seal hourly.
        public var blockSpanMs: Int64

        public init(blockBatches: Int = 240, blockSpanMs: Int64 = 3_600_000) {
            self.blockBatches = blockBatches
            self.blockSpanMs = blockSpanMs
        }
    }

    /// Everything the store keeps in memory; rebuilt from the file on open and after a failed write.
    struct State {
        struct Machine: OpenBlockHolder {
            var id: Int64
            var name: String
            var highWater: UInt64?
            var sealedSeq: UInt64?
            var epoch: SeqEpoch?
            var open = OpenBlock()
            /// Whether this store sealed a block of the machine yet (see `OpenBlock.sealPoint`).
            var sealedHere = false
            var seriesIds: [SeriesKey: Int64] = [:]
            /// The last batch's series ids by position: the next batch nearly always lists the same keys.
            var lastIds = PositionalMemo<SeriesKey, Int64>()

            var blockOwnerId: Int64 { id }
        }

        var machines: [String: Machine] = [:]
        var machineNames: [Int64: String] = [:]
        var seriesKeys: [Int64: SeriesKey] = [:]
        var nextMachineId: Int64 = 1
        var nextSeriesId: Int64 = 1
        var cutoffs = RetentionCutoffs()
    }

    let db: SQLiteConnection
    let path: String
    let options: Options
    let logger: Logger
    var state: State
    var isClosed = false
    private let lane = ExclusiveLane()

    private init(db: SQLiteConnection, path: String, options: Options, logger: Logger, state: State) {
        self.db = db
        self.path = path
        self.options = options
        self.logger = logger
        self.state = state
    }

    /// Opens (creating if needed) the database at `path` and replays batches not yet sealed.
    public static func open(path: String, options: Options = Options(), logger: Logger) async throws
        -> SQLiteHistoryStore
    {
        let db = try await SQLiteConnection.openFile(path, logger: logger) {
            HistoryStoreError("cannot open history database \(path) (\($0)); is the directory writable?")
        }
        do {
            try await migrate(db, path: path)
            let state = try await loadState(db)
            logger.info("history store opened", metadata: ["path": "\(path)", "machines": "\(state.machines.count)"])
            return SQLiteHistoryStore(db: db, path: path, options: options, logger: logger, state: state)
        } catch {
            try? await db.close()
            throw error
        }
    }

    @discardableResult
    public func append(_ batches: [Batch]) async throws -> AppendResult {
        try await exclusive {
            var plan = WritePlan()
            let result = prepareAppend(batches, into: &plan)
            try await commit(plan)
            return result
        }
    }

    public func highWater(machine: String) async throws -> UInt64? {
        try await exclusive { state.machines[machine]?.highWater }
    }

    public func epoch(machine: String) async throws -> SeqEpoch? {
        try await exclusive { state.machines[machine]?.epoch }
    }

    public func setEpoch(_ epoch: SeqEpoch, machine: String) async throws {
        try await exclusive {
            let id = machineId(machine)
            _ = try await db.query(
                """
                INSERT INTO machines (id, name, epoch, epoch_base) VALUES (?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, epoch_base = excluded.epoch_base
                """, [.int(id), .text(machine), .seq(epoch.id), .seq(epoch.base)])
            state.machines[machine]!.epoch = epoch
        }
    }

    public func close() async throws {
        try await exclusive {
            var plan = WritePlan()
            // The names first: iterating the dictionary while sealing mutates it, and every mutation would copy
            // the whole table (quadratic: a 5,000-machine hub took longer than its stop timeout).
            let open = state.machines.compactMap { $0.value.open.isEmpty ? nil : $0.key }
            for name in open { seal(machine: name, into: &plan) }
            try await commit(plan)
            _ = try await db.query("PRAGMA wal_checkpoint(TRUNCATE)")
            isClosed = true
            try await db.close()
            logger.info("history store closed", metadata: ["path": "\(path)"])
        }
    }

    /// Closes the file without sealing open blocks: what a crash leaves behind, for tests of recovery.
    func abandon() async throws {
        try await exclusive {
            isClosed = true
            try await db.close()
        }
    }

    /// Runs `body` alone: actor methods interleave at every `await`, and a transaction must not.
    func exclusive<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        return try await lane.run {
            guard !isClosed else { throw HistoryStoreError.closed }
            return try await body()
        }
    }
}
