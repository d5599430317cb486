import SMSCore
import Logging
import PostgresNIO
import Spec

/// History in PostgreSQL, shared by any number of aggregators (each writing its own machines).
///
/// The same layout as the embedded store: each `append` writes one write-ahead row per machine (`wal`, the
/// batches as series ids and values); once a machine has `blockBatches` batches (or `blockSpanMs`) since its last
/// seal they are compressed with `BlockCodec` into one `blocks` row, its rollups merged into `rollup_1m` /
/// `rollup_1h`, and its write-ahead rows deleted, in the same transaction. Queries read blocks, rollups and the
/// write-ahead rows, so data not sealed yet answers at once, whichever aggregator wrote it; the arithmetic is the
/// embedded store's, so the answers are the same to the bit.
///
/// The open block is kept in memory between appends. Every write locks the machine's row and compares its
/// high-water mark and seal with what this store remembers: when another aggregator wrote the machine since, the
/// open block is read back from the write-ahead rows first.
///
/// `append` commits one transaction per call before it returns. While PostgreSQL is unreachable it keeps
/// retrying (up to `Options.outageWait`, with at most `Options.maxPendingAppends` calls waiting), then throws
/// without having acknowledged anything; reads fail at once.
public actor PostgresHistoryStore: HistoryStore {
    /// Outage and housekeeping limits.
    public struct Options: Sendable {
        /// How long an `append` waits for an unreachable server before it throws.
        public var outageWait: Duration
        /// Append calls allowed to wait (the one running included); more fail at once while the server is away.
        public var maxPendingAppends: Int
        /// Batches per block, and the longest time a block spans (as in the embedded store).
        public var blockBatches: Int
        public var blockSpanMs: Int64

        public init(
            outageWait: Duration = .seconds(60), maxPendingAppends: Int = 64, blockBatches: Int = 240,
            blockSpanMs: Int64 = 3_600_000
        ) {
            self.outageWait = outageWait
            self.maxPendingAppends = maxPendingAppends
            self.blockBatches = blockBatches
            self.blockSpanMs = blockSpanMs
        }
    }

    /// What the store remembers between calls; the database stays the authority (several aggregators share it).
    struct State {
        struct Machine: OpenBlockHolder {
            var id: Int32
            var name: String
            var highWater: UInt64?
            var sealedSeq: UInt64?
            /// The batches since the last seal, once read from the write-ahead rows.
            var open = OpenBlock()
            /// Whether `open`, the mark and the seal are the database's: false after opening and after a failed
            /// write, until the next write reads them (it also reads them when another aggregator wrote since).
            var current = false
            /// Whether this store sealed a block of the machine yet (see `OpenBlock.sealPoint`).
            var sealedHere = false
            var seriesIds: [SeriesKey: Int32] = [:]
            /// The last batch's series ids by position: the next batch nearly always lists the same keys.
            var lastIds = PositionalMemo<SeriesKey, Int32>()

            var blockOwnerId: Int64 { Int64(id) }
        }

        var machines: [String: Machine] = [:]
        var cutoffs = RetentionCutoffs()
    }

    let connections: PostgresConnections
    let options: Options
    let logger: Logger
    var state: State
    var isClosed = false
    private let lane = ExclusiveLane()

    private init(
        connections: PostgresConnections, options: Options, logger: Logger, state: State
    ) {
        self.connections = connections
        self.options = options
        self.logger = logger
        self.state = state
    }

    /// Connects to `url`, creates or migrates the schema, and loads the dictionaries.
    public static func open(url: String, options: Options = Options(), logger: Logger) async throws
        -> PostgresHistoryStore
    {
        let target = try PostgresTarget(url: url)
        let connections = PostgresConnections(target: target, logger: logger)
        do {
            try await connections.with { try await migrate($0, options: options, logger: logger) }
            let state = try await connections.with { try await loadState($0, logger: logger) }
            let store = PostgresHistoryStore(
                connections: connections, options: options, logger: logger, state: state)
            logger.info(
                "history store opened",
                metadata: ["server": "\(target.described)", "machines": "\(state.machines.count)"])
            return store
        } catch {
            await connections.shutDown()
            throw HistoryStoreError(
                "cannot open the history store: \(error); set hub.history: embedded to run without PostgreSQL"
            )
        }
    }

    public func highWater(machine: String) async throws -> UInt64? {
        // Read from the database: another aggregator may have stored this machine's batches since.
        let rows = try await read {
            try await $0.query("SELECT high_water FROM machines WHERE name = \(machine)", logger: logger)
                .collect()
        }
        return try rows.first?.decode(Int64?.self).map { UInt64(bitPattern: $0) }
    }

    public func epoch(machine: String) async throws -> SeqEpoch? {
        let rows = try await read {
            try await $0.query("SELECT epoch, epoch_base FROM machines WHERE name = \(machine)", logger: logger).collect()
        }
        guard let (id, base) = try rows.first?.decode((Int64?, Int64?).self), let id else { return nil }
        return SeqEpoch(id: UInt64(bitPattern: id), base: UInt64(bitPattern: base ?? 0))
    }

    public func setEpoch(_ epoch: SeqEpoch, machine: String) async throws {
        let (id, base) = (Int64(bitPattern: epoch.id), Int64(bitPattern: epoch.base))
        try await read {
            try await $0.query(
                """
                INSERT INTO machines (name, epoch, epoch_base) VALUES (\(machine), \(id), \(base))
                ON CONFLICT (name) DO UPDATE SET epoch = excluded.epoch, epoch_base = excluded.epoch_base
                """, logger: logger)
        }
    }

    /// Seals every open block this store holds (so that the data is compressed), then closes.
    public func close() async throws {
        try await exclusive {
            let open = state.machines.values.filter { $0.current && !$0.open.isEmpty }.map(\.name)
            if !open.isEmpty {
                // One attempt: a stopping hub does not wait out an outage. Nothing is lost either way, the
                // batches stay in the write-ahead rows until the next seal.
                do {
                    _ = try await write([], sealing: Set(open))
                } catch {
                    logger.warning(
                        "open blocks left unsealed at close", metadata: ["machines": "\(open.count)", "error": "\(error)"])
                }
            }
            isClosed = true
            await connections.shutDown()
            logger.info("history store closed", metadata: ["server": "\(connections.target.described)"])
        }
    }

    /// Drops the connections without any further work: what a crash leaves behind, for tests of recovery.
    /// Everything `append` returned for is already committed, so nothing is lost.
    func abandon() async {
        isClosed = true
        await connections.shutDown()
    }

    func checkOpen() throws {
        if isClosed { throw HistoryStoreError.closed }
    }

    /// Runs `body` alone: writes keep the in-memory dictionaries in step with what was committed.
    func exclusive<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try checkOpen()
        return try await lane.run {
            try checkOpen()
            return try await body()
        }
    }

    /// Append calls waiting for (or holding) the write lane; bounded so that an outage cannot pile up memory.
    var pendingAppends: Int { lane.occupancy }

    /// Retries `body` while the server is unreachable, with backoff capped at one second (so a returning
    /// server is used within about a second), for at most `Options.outageWait`.
    func retryingOutages<T: Sendable>(_ what: String, _ body: () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + options.outageWait
        var delay = Duration.milliseconds(50)
        var warned = false
        while true {
            do {
                let result = try await body()
                if warned { logger.info("history store reconnected", metadata: ["server": "\(target)"]) }
                return result
            } catch let failure as PostgresFailure where failure.connectionLost && !isClosed {
                guard ContinuousClock.now + delay < deadline else {
                    throw HistoryStoreError(
                        "\(failure.description); gave up on \(what) after \(options.outageWait), nothing of it was "
                            + "stored (collectors replay it)")
                }
                if !warned {
                    logger.warning(
                        "history store waiting for PostgreSQL", metadata: ["error": "\(failure.description)"])
                    warned = true
                }
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(1))
            } catch let failure as PostgresFailure {
                throw HistoryStoreError(failure.description)
            }
        }
    }

    /// Runs a read on a leased connection: one attempt, so that an outage fails it at once.
    func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try checkOpen()
        do {
            return try await connections.with(body)
        } catch let failure as PostgresFailure {
            throw HistoryStoreError(failure.description)
        }
    }

    /// A read of several statements that must see one state: a seal committing between reading the blocks and
    /// the write-ahead rows would otherwise show its batches twice, or not at all.
    func readSnapshot<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try checkOpen()
        do {
            return try await connections.transaction(
                begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger, body)
        } catch let failure as PostgresFailure {
            throw HistoryStoreError(failure.description)
        }
    }

    private var target: String { connections.target.described }

}
