import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// Conformance checks about tiers: which one a query reads, rollup arithmetic, and retention.
extension StorageTests.HistoryStoreConformance {
    static func tierChoice(_ maker: StoreMaker, _ directory: String) async throws {
        let store = try await maker.open(directory)
        let now = hour + 10 * 86_400_000
        let old = now - 3 * 86_400_000
        try await store.append((0..<5).map { batch("m1", UInt64($0 + 1), old + Int64($0) * 10_000, [Sample(cpu, 1)]) })
        try await store.append(
            (0..<5).map { batch("m1", UInt64($0 + 6), now - 600_000 + Int64($0) * 10_000, [Sample(cpu, 2)]) })
        func tier(_ from: Int64, _ to: Int64, step: Int64? = nil, tier: HistoryTier? = nil) async throws -> HistoryTier?
        {
            try await store.query(
                HistoryQuery(machine: "m1", metric: cpu.metric, fromMs: from, toMs: to, stepMs: step, tier: tier)
            ).first?.tier
        }
        #expect(try await tier(now - 3_600_000, now) == .raw)
        #expect(try await tier(now - 2 * 86_400_000, now) == .oneMinute)
        #expect(try await tier(now - 30 * 86_400_000, now) == .oneHour)
        #expect(try await tier(now - 3_600_000, now, tier: .oneHour) == .oneHour)
        #expect(try await tier(now - 86_400_000, now, step: 3_600_000) == .oneHour)
        #expect(try await tier(now - 3_600_000, now, step: 60_000) == .oneMinute)
        let aroundOld = (old - 1_800_000, old + 1_800_000)
        #expect(try await tier(aroundOld.0, aroundOld.1) == .raw)
        // Once retention has deleted old raw samples, the same short range falls back to rollups.
        try await store.enforceRetention(
            Retention(raw: .hours(48), oneMinute: .days(30), oneHour: .days(400)), nowMs: now)
        #expect(try await tier(aroundOld.0, aroundOld.1) == .oneMinute)
        #expect(try await tier(now - 3_600_000, now) == .raw)
        try await store.enforceRetention(
            Retention(raw: .hours(48), oneMinute: .days(2), oneHour: .days(400)), nowMs: now)
        #expect(try await tier(aroundOld.0, aroundOld.1) == .oneHour)
        try await store.close()
    }

    /// Values of the rollup check: one hand-made minute, then a pattern, 10 s apart for one hour.
    static let rollupValues: [Double] = [3, 1, 4, 1, 5, 9] + (6..<360).map { Double(($0 * 7) % 50) }

    /// min, max, avg, last of a slice, computed plainly.
    static func summary(_ values: ArraySlice<Double>, at t: Int64) -> HistoryPoint {
        var low = values.first!
        var high = values.first!
        var sum = 0.0
        for value in values {
            low = min(low, value)
            high = max(high, value)
            sum += value
        }
        return HistoryPoint(t: t, value: sum / Double(values.count), min: low, max: high, last: values.last!)
    }

    static func rollups(_ maker: StoreMaker, _ directory: String) async throws {
        var store = try await maker.open(directory)
        let batches = rollupValues.indices.map {
            batch("m1", UInt64($0 + 1), hour + Int64($0) * 10_000, [Sample(cpu, rollupValues[$0])])
        }
        try await append(batches, to: store)
        let minutes = (0..<60).map { summary(rollupValues[($0 * 6)..<($0 * 6 + 6)], at: hour + Int64($0) * 60_000) }
        #expect(minutes[0] == HistoryPoint(t: hour, value: 23.0 / 6, min: 1, max: 9, last: 9))
        func points(_ tier: HistoryTier?, from: Int64 = hour, step: Int64? = nil) async throws -> [HistoryPoint] {
            try await store.query(
                HistoryQuery(
                    machine: "m1", metric: cpu.metric, fromMs: from, toMs: hour + 3_599_999, stepMs: step, tier: tier)
            ).first?.points ?? []
        }
        for reopened in maker.durable ? [false, true] : [false] {
            if reopened {
                try await store.close()
                store = try await maker.open(directory)
            }
            #expect(try await points(.oneMinute) == minutes)
            #expect(try await points(.oneHour) == [summary(rollupValues[...], at: hour)])
            // Raw samples merged into 1-minute steps agree with the stored rollups.
            #expect(try await points(.raw, step: 60_000) == minutes)
            // A range starting inside a bucket still gets that whole bucket.
            #expect(try await points(.oneMinute, from: hour + 90_000).first == minutes[1])
            #expect(try await points(.oneMinute, step: 600_000).count == 6)
        }
        try await store.close()
    }

    static func retention(_ maker: StoreMaker, _ directory: String) async throws {
        let store = try await maker.open(directory)
        let now = hour + 20 * 86_400_000
        var seq: UInt64 = 0
        for start in [now - 10 * 86_400_000, now - 3 * 86_400_000, now - 3_600_000] {
            let group = (0..<5).map { index -> Batch in
                seq += 1
                return batch("m1", seq, start + Int64(index) * 60_000, [Sample(cpu, Double(index))])
            }
            try await store.append(group)
        }
        func count(_ tier: HistoryTier) async throws -> Int {
            try await store.query(
                HistoryQuery(machine: "m1", metric: cpu.metric, fromMs: now - 30 * 86_400_000, toMs: now, tier: tier)
            ).first?.points.count ?? 0
        }
        #expect(try await count(.raw) == 15)
        try await store.enforceRetention(
            Retention(raw: .hours(48), oneMinute: .days(7), oneHour: .days(400)), nowMs: now)
        #expect(try await count(.raw) == 5)
        #expect(try await count(.oneMinute) == 10)
        #expect(try await count(.oneHour) == 3)
        #expect(try await store.stats().samples == 5)
        try await store.enforceRetention(Retention(raw: .hours(48), oneMinute: .days(7), oneHour: .days(5)), nowMs: now)
        #expect(try await count(.oneHour) == 2)
        // Retention never moves back: an earlier `now` does not bring deleted data back.
        try await store.enforceRetention(Retention(), nowMs: now - 30 * 86_400_000)
        #expect(try await count(.raw) == 5)
        try await store.close()
    }
}
