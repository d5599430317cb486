import SMSCore
import SQLiteNIO
import Spec

/// Everything one `append` (or `close`) writes, gathered in memory first so the transaction is a handful of
/// multi-row statements rather than one statement per sample.
struct WritePlan {
    var newSeries: [[SQLiteData]] = []
    var touchedMachines: Set<String> = []
    var sealedMachineIds: [Int64] = []
    var blocks: [[SQLiteData]] = []
    var rollups: [HistoryTier: [[SQLiteData]]] = [:]
    var walRecords: [[SQLiteData]] = []

    var isEmpty: Bool { touchedMachines.isEmpty && newSeries.isEmpty && walRecords.isEmpty }
}

extension SQLiteHistoryStore {
    /// Applies the batches to the in-memory state (skipping duplicates) and records what must be written.
    func prepareAppend(_ batches: [Batch], into plan: inout WritePlan) -> AppendResult {
        var result = AppendResult(stored: 0, duplicates: 0)
        let ordered = Batch.inSeqOrder(batches)
        var start = 0
        while start < ordered.count {
            let name = ordered[start].machine
            var end = start + 1
            while end < ordered.count && ordered[end].machine == name { end += 1 }
            appendRun(ordered[start..<end], machine: name, into: &plan, result: &result)
            start = end
        }
        return result
    }

    /// One machine's batches of this call, in seq order: into its open block, sealing when it is full. The
    /// machine is taken out of the table for the run, so each sample costs no lookup of the machine's name.
    private func appendRun(
        _ run: ArraySlice<Batch>, machine name: String, into plan: inout WritePlan, result: inout AppendResult
    ) {
        // A machine's row is written when it is new and when it seals; between seals its high-water mark is the
        // newest seq of its write-ahead records (read back so on open), which saves an upsert per machine and commit.
        if state.machines[name] == nil { plan.touchedMachines.insert(name) }
        _ = machineId(name)
        var machine = state.machines.removeValue(forKey: name)!
        defer { state.machines[name] = machine }
        // Batches of this call not yet sealed: they become this call's write-ahead record.
        let pending = OpenBlock.appendRun(
            run, to: &machine, blockBatches: options.blockBatches, spanMs: options.blockSpanMs, result: &result,
            seriesId: { key, index, machine in seriesId(for: key, at: index, machine: &machine, into: &plan) },
            seal: { Self.seal(&$0, into: &plan) })
        if let last = pending.last {
            let record = WALRecord.encode(pending)
            plan.walRecords.append([.int(machine.id), .seq(last.seq), .bytes(record)])
        }
    }

    /// The machine's id, assigning a new one (its row written by the caller's transaction) the first time.
    func machineId(_ name: String) -> Int64 {
        if let id = state.machines[name]?.id { return id }
        let id = state.nextMachineId
        state.nextMachineId += 1
        state.machines[name] = State.Machine(id: id, name: name)
        state.machineNames[id] = name
        return id
    }

    /// The id of the series at position `index` of a batch: the last batch's at that position when it is the
    /// same key, else looked up, else assigned (and written in this transaction).
    private func seriesId(
        for key: SeriesKey, at index: Int, machine: inout State.Machine, into plan: inout WritePlan
    ) -> Int64 {
        if let known = machine.lastIds.value(at: index, for: key) { return known }
        let id: Int64
        if let known = machine.seriesIds[key] {
            id = known
        } else {
            id = state.nextSeriesId
            state.nextSeriesId += 1
            machine.seriesIds[key] = id
            state.seriesKeys[id] = key
            plan.newSeries.append([.int(id), .int(machine.id), .text(key.metric), .text(Self.encodeLabels(key.labels))])
        }
        machine.lastIds.remember(id, at: index, for: key)
        return id
    }

    /// Compresses the machine's open block into a `blocks` row and its rollups, and empties it.
    func seal(machine name: String, into plan: inout WritePlan) {
        guard state.machines[name] != nil else { return }
        Self.seal(&state.machines[name]!, into: &plan)
    }

    static func seal(_ machine: inout State.Machine, into plan: inout WritePlan) {
        guard !machine.open.isEmpty else { return }
        let open = machine.open
        plan.blocks.append([
            .int(machine.id), .int(open.times.min()!), .int(open.times.max()!), .int(Int64(open.sampleCount)),
            .seq(open.firstSeq), .seq(open.lastSeq), .bytes(open.encoded()),
        ])
        for tier in [HistoryTier.oneMinute, .oneHour] {
            for (seriesId, buckets) in open.rollups(width: tier.bucketMs!) {
                for (bucket, rollup) in buckets {
                    plan.rollups[tier, default: []].append([
                        .int(seriesId), .int(bucket), .real(rollup.min), .real(rollup.max), .real(rollup.sum),
                        .int(Int64(rollup.count)), .real(rollup.last),
                    ])
                }
            }
        }
        plan.sealedMachineIds.append(machine.id)
        plan.touchedMachines.insert(machine.name)
        machine.sealedSeq = open.lastSeq
        machine.sealedHere = true
        machine.open = OpenBlock()
    }

    /// Writes the plan in one transaction. On failure memory is ahead of the file, so it is rebuilt from the file.
    func commit(_ plan: WritePlan) async throws {
        guard !plan.isEmpty else { return }
        do {
            _ = try await db.query("BEGIN IMMEDIATE")
            do {
                try await write(plan)
                _ = try await db.query("COMMIT")
            } catch {
                _ = try? await db.query("ROLLBACK")
                throw error
            }
        } catch {
            logger.error("history write failed", metadata: ["path": "\(path)", "error": "\(error)"])
            do {
                state = try await Self.loadState(db)
            } catch {
                isClosed = true
            }
            throw HistoryStoreError("cannot write history to \(path) (\(error)); is the disk full or read-only?")
        }
    }

    private func write(_ plan: WritePlan) async throws {
        try await db.insertRows("INSERT INTO series (id, machine_id, metric, labels)", columns: 4, rows: plan.newSeries)
        let machineRows: [[SQLiteData]] = plan.touchedMachines.compactMap { name in
            state.machines[name].map { [.int($0.id), .text(name), .seq($0.highWater), .seq($0.sealedSeq)] }
        }
        try await db.insertRows(
            "INSERT INTO machines (id, name, high_water, sealed_seq)", columns: 4, rows: machineRows,
            tail: "ON CONFLICT (id) DO UPDATE SET high_water = excluded.high_water, sealed_seq = excluded.sealed_seq")
        // A seal covers every earlier record of the machine: records are written only for unsealed batches.
        for id in plan.sealedMachineIds {
            _ = try await db.query("DELETE FROM wal WHERE machine_id = ?", [.int(id)])
        }
        try await db.insertRows(
            "INSERT INTO blocks (machine_id, start_ms, end_ms, samples, first_seq, last_seq, data)",
            columns: 7, rows: plan.blocks)
        for (tier, rows) in plan.rollups {
            try await db.insertRows(
                "INSERT INTO \(Self.rollupTable(tier)) (series_id, bucket_ms, min_value, max_value, sum_value, "
                    + "count, last_value)", columns: 7, rows: rows,
                tail: """
                    ON CONFLICT (series_id, bucket_ms) DO UPDATE SET min_value = min(min_value, excluded.min_value),
                    max_value = max(max_value, excluded.max_value), sum_value = sum_value + excluded.sum_value,
                    count = count + excluded.count, last_value = excluded.last_value
                    """)
        }
        try await db.insertRows("INSERT INTO wal (machine_id, last_seq, record)", columns: 3, rows: plan.walRecords)
    }

    static func rollupTable(_ tier: HistoryTier) -> String { tier == .oneHour ? "rollup_1h" : "rollup_1m" }
}
