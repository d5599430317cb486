import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

extension StorageTests {
    /// Checks every history store must pass, each run against a fresh store from a `StoreMaker`.
    enum HistoryStoreConformance {
        /// Visible to the extensions in other files, which do not see `StorageTests`' members.
        typealias StoreMaker = StorageTests.StoreMaker
        typealias Check = (name: String, body: @Sendable (StoreMaker, String) async throws -> Void)

        static let checks: [Check] = [
            ("append and query round trip exactly", roundTrip),
            ("duplicates are skipped across and within calls", duplicates),
            ("high water per machine", highWater),
            ("label filters and series listing", labelFilters),
            ("tier chosen by range and retention", tierChoice),
            ("rollups match a hand computation", rollups),
            ("retention deletes old data per tier", retention),
            ("reopen after close keeps everything", reopen),
            ("a crash loses nothing append returned for", crash),
            ("a closed store refuses work", closedStore),
            ("the sequence epoch is kept per machine, across a reopen", sequenceEpoch),
            ("concurrent callers", concurrentCallers),
            ("gap records: upsert by start, range filter, cursors, across a reopen", gapRecords),
        ]

        /// An hour boundary, so rollup buckets in the checks are easy to compute by hand.
        static let hour: Int64 = 1_699_999_200_000
        static let cpu = SeriesKey("cpu.usage_percent")
        static let memory = SeriesKey("memory.used_bytes")
        static let specials: [Double] = [
            .nan, -0.0, .infinity, -.infinity, 0.1 + 0.2, 1e300, .leastNonzeroMagnitude, 61.69154228855721, 0, 42,
        ]

        static func batch(_ machine: String, _ seq: UInt64, _ t: Int64, _ samples: [Sample]) -> Batch {
            Batch(machine: machine, seq: seq, snapshot: Snapshot(timestampMs: t, samples: samples))
        }

        /// `count` batches of machine `machine` at 1 s (with a little jitter): an awkward cpu value and a byte count.
        static func series(_ machine: String, count: Int, firstSeq: UInt64 = 1, start: Int64 = hour) -> [Batch] {
            (0..<count).map { index in
                let t = start + Int64(index) * 1000 + Int64(index % 3)
                let samples = [
                    Sample(cpu, specials[index % specials.count] * Double(1 + index / specials.count)),
                    Sample(memory, Double(8_000_000_000 + index * 4096)),
                ]
                return batch(machine, firstSeq + UInt64(index), t, samples)
            }
        }

        /// Appends in calls of `groupSize` batches, the way the aggregator groups them.
        @discardableResult
        static func append(_ batches: [Batch], to store: any HistoryStore, groupSize: Int = 40) async throws
            -> AppendResult
        {
            var total = AppendResult(stored: 0, duplicates: 0)
            for start in stride(from: 0, to: batches.count, by: groupSize) {
                let result = try await store.append(Array(batches[start..<min(batches.count, start + groupSize)]))
                total.stored += result.stored
                total.duplicates += result.duplicates
            }
            return total
        }

        /// The raw points the batches should read back as, for one series.
        static func expectedRaw(_ batches: [Batch], _ key: SeriesKey) -> [(Int64, UInt64)] {
            batches.compactMap { batch in
                batch.samples.last { $0.series == key }.map { (batch.timestampMs, $0.value.bitPattern) }
            }
        }

        static func raw(
            _ store: any HistoryStore, _ machine: String, _ key: SeriesKey, from: Int64 = hour,
            to: Int64 = hour + 86_400_000
        ) async throws -> [(Int64, UInt64)] {
            let answer = try await store.query(
                HistoryQuery(
                    machine: machine, metric: key.metric, labels: key.labels, fromMs: from, toMs: to, tier: .raw))
            return answer.first { $0.series == key }?.points.map { ($0.t, $0.value.bitPattern) } ?? []
        }

        static func roundTrip(_ maker: StoreMaker, _ directory: String) async throws {
            let store = try await maker.open(directory)
            let batches = series("m1", count: 130) + series("m2", count: 20)
            let result = try await append(batches, to: store)
            #expect(result == AppendResult(stored: 150, duplicates: 0))
            for key in [cpu, memory] {
                let got = try await raw(store, "m1", key)
                #expect(got.map(\.0) == expectedRaw(Array(batches.prefix(130)), key).map(\.0))
                #expect(got.map(\.1) == expectedRaw(Array(batches.prefix(130)), key).map(\.1), "\(key)")
            }
            // A sub-range is cut exactly at its inclusive ends, across sealed and open data.
            let middle = Array(batches[45...120])
            let cut = try await raw(store, "m1", cpu, from: middle.first!.timestampMs, to: middle.last!.timestampMs)
            #expect(cut.map(\.1) == expectedRaw(middle, cpu).map(\.1))
            // With no tier asked for, a short range reads raw samples.
            let auto = try await store.query(
                HistoryQuery(machine: "m1", metric: cpu.metric, fromMs: hour, toMs: hour + 600_000))
            #expect(auto.first?.tier == .raw)
            #expect(try await store.stats().samples == 300)
            try await store.close()
        }

        static func duplicates(_ maker: StoreMaker, _ directory: String) async throws {
            let store = try await maker.open(directory)
            let first = (1...3).map { batch("m1", UInt64($0), hour + Int64($0) * 1000, [Sample(cpu, Double($0))]) }
            #expect(try await store.append(first) == AppendResult(stored: 3, duplicates: 0))
            // A replay overlapping what is stored, with seq 4 twice and a changed stored value: skipped, not stored.
            let replay = [
                batch("m1", 2, hour + 2000, [Sample(cpu, 99)]), batch("m1", 3, hour + 3000, [Sample(cpu, 3)]),
                batch("m1", 4, hour + 4000, [Sample(cpu, 4)]), batch("m1", 4, hour + 4000, [Sample(cpu, 4)]),
                batch("m1", 5, hour + 5000, [Sample(cpu, 5)]),
            ]
            #expect(try await store.append(replay) == AppendResult(stored: 2, duplicates: 3))
            // Out of order within one call: applied in seq order, both kept.
            let swapped = [
                batch("m1", 7, hour + 7000, [Sample(cpu, 7)]), batch("m1", 6, hour + 6000, [Sample(cpu, 6)]),
            ]
            #expect(try await store.append(swapped) == AppendResult(stored: 2, duplicates: 0))
            #expect(try await store.append(swapped) == AppendResult(stored: 0, duplicates: 2))
            let values = try await raw(store, "m1", cpu).map { Double(bitPattern: $0.1) }
            #expect(values == [1, 2, 3, 4, 5, 6, 7])
            try await store.close()
        }

        static func highWater(_ maker: StoreMaker, _ directory: String) async throws {
            let store = try await maker.open(directory)
            #expect(try await store.highWater(machine: "m1") == nil)
            try await append(series("m1", count: 60, firstSeq: 10) + series("m2", count: 5), to: store)
            #expect(try await store.highWater(machine: "m1") == 69)
            #expect(try await store.highWater(machine: "m2") == 5)
            try await store.append([batch("m1", 12, hour, [Sample(cpu, 1)])])
            #expect(try await store.highWater(machine: "m1") == 69)
            try await store.append([batch("m1", 1_000, hour + 100_000, [])])
            #expect(try await store.highWater(machine: "m1") == 1_000)
            #expect(try await store.highWater(machine: "nobody") == nil)
            try await store.close()
        }

        static func labelFilters(_ maker: StoreMaker, _ directory: String) async throws {
            let store = try await maker.open(directory)
            let root = SeriesKey("disk.used_percent", ["mount": "/"])
            let home = SeriesKey("disk.used_percent", ["mount": "/home"])
            let core = SeriesKey("cpu.core_mode_percent", ["core": "0", "mode": "user"])
            try await store.append(
                (1...3).map { seq in
                    batch(
                        "m1", UInt64(seq), hour + Int64(seq) * 1000,
                        [Sample(root, 40), Sample(home, 70), Sample(core, 5)])
                })
            #expect(try await store.series(machine: "m1") == [core, root, home].sorted())
            #expect(try await store.series(machine: "nobody") == [])
            func keys(_ metric: String, _ labels: [String: String], machine: String = "m1") async throws -> [SeriesKey]
            {
                try await store.query(
                    HistoryQuery(machine: machine, metric: metric, labels: labels, fromMs: hour, toMs: hour + 10_000)
                ).map(\.series)
            }
            #expect(try await keys("disk.used_percent", [:]) == [root, home])
            #expect(try await keys("disk.used_percent", ["mount": "/home"]) == [home])
            #expect(try await keys("disk.used_percent", ["mount": "/tmp"]) == [])
            #expect(try await keys("cpu.core_mode_percent", ["mode": "user"]) == [core])
            #expect(try await keys("cpu.core_mode_percent", ["mode": "user", "core": "1"]) == [])
            #expect(try await keys("memory.used_bytes", [:]) == [])
            #expect(try await keys("disk.used_percent", [:], machine: "nobody") == [])
            try await store.close()
        }
    }
}
