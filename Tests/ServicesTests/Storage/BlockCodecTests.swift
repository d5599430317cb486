import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

extension StorageTests {
    @Suite("block codec")
    struct BlockCodecTests {
        private func roundTrip(_ values: [Double]) throws -> (decoded: [Double], bytes: Int) {
            var writer = BitWriter()
            ValueColumn.encode(values, into: &writer)
            let bytes = writer.finish()
            var reader = BitReader(bytes)
            return (try ValueColumn.decode(count: values.count, from: &reader), bytes.count)
        }

        static let columns: [(name: String, values: [Double])] = [
            ("load averages", (0..<240).map { Double(52 + ($0 / 5) % 7) / 100 }),
            ("memory bytes", (0..<240).map { Double(8_000_000_000 + ($0 * 37 % 11) * 4096) }),
            ("uptime", (0..<240).map { 12_345.67 + Double($0) }),
            ("float noise", (0..<240).map { 0.1 * Double($0) + 0.2 }),
            ("ratios", (0..<240).map { Double($0 % 7) / 3 * 100 }),
            ("mixed specials", [1.5, -0.0, .nan, .infinity, 2.25, 1e21, 0.1 + 0.2]),
            ("negative decimals", (0..<100).map { -40.125 + Double($0 % 9) * 0.5 }),
            ("beyond 2^53", [9_007_199_254_740_993.0, 9_007_199_254_740_994.0, 1]),
        ]

        @Test("every column encoding round trips bit for bit", arguments: columns.indices)
        func columnRoundTrip(index: Int) throws {
            let values = Self.columns[index].values
            let decoded = try roundTrip(values).decoded
            #expect(decoded.map(\.bitPattern) == values.map(\.bitPattern), "\(Self.columns[index].name)")
        }

        @Test("short decimals take well under a byte per value")
        func decimalsAreCompact() throws {
            let load = try roundTrip(Self.columns[0].values)
            #expect(load.bytes < 120)
            let uptime = try roundTrip(Self.columns[2].values)
            #expect(uptime.bytes < 40)
        }

        @Test("jiffy shares (p / q * 100, and 100 minus one) are stored as their integers, exactly")
        func jiffySharesAreCompact() throws {
            var random = SeededGenerator(seed: 3)
            let pairs = (0..<240).map { _ in
                let q = Int64.random(in: 99...101, using: &random)
                return (p: Int64.random(in: 20...40, using: &random), q: q)
            }
            let shares = pairs.map { Double($0.p) / Double($0.q) * 100 }
            let busy = pairs.map { 100 - Double($0.p) / Double($0.q) * 100 }
            for values in [shares, busy, shares.map { $0 * 4 }] {
                let result = try roundTrip(values)
                #expect(result.decoded.map(\.bitPattern) == values.map(\.bitPattern))
            }
            #expect(try roundTrip(shares).bytes < 480)
            #expect(try roundTrip(busy).bytes < 480)
            #expect(RatioColumn.fit([61.69154228855721], form: .share)?.first.map { $0.p * 201 / $0.q } == 124)
        }

        @Test("a block keeps presence per series and decodes only the wanted columns")
        func blockPresenceAndSelection() throws {
            var open = OpenBlock()
            for row in 0..<10 {
                var samples: [(seriesId: Int64, value: Double)] = [(1, Double(row))]
                if row % 3 == 0 { samples.append((2, Double(row) * 0.5)) }
                open.append(seq: UInt64(row + 1), time: 1_000 * Int64(row), samples: samples)
            }
            let bytes = open.encoded()
            let all = try BlockCodec.decode(bytes)
            #expect(all.times == (0..<10).map { 1_000 * Int64($0) })
            #expect(all.columns[1] == open.columns[1])
            #expect(all.columns[2]?.rows == [0, 3, 6, 9])
            let only = try BlockCodec.decode(bytes, wanted: [2])
            #expect(only.columns.keys.sorted() == [2])
            #expect(only.columns[2]?.values == [0, 1.5, 3, 4.5])
            #expect(throws: CodecError.self) { try BlockCodec.decode(Array(bytes.dropLast(3))) }
        }

        @Test("a series listed twice in one batch keeps its last value")
        func duplicateSeriesInBatch() {
            var open = OpenBlock()
            open.append(seq: 1, time: 0, samples: [(7, 1), (7, 2)])
            #expect(open.columns[7]?.values == [2])
            #expect(open.sampleCount == 1)
        }

        @Test("write-ahead records round trip")
        func walRecordRoundTrip() throws {
            let entries: [WALRecord.Entry] = [
                (seq: 5, time: -1, samples: [(seriesId: 1, value: .nan), (seriesId: 300, value: -0.0)]),
                (seq: .max, time: 1_700_000_000_123, samples: []),
            ]
            let decoded = try WALRecord.decode(WALRecord.encode(entries))
            #expect(decoded.map(\.seq) == [5, .max])
            #expect(decoded.map(\.time) == [-1, 1_700_000_000_123])
            #expect(decoded[0].samples.map(\.seriesId) == [1, 300])
            #expect(decoded[0].samples.map(\.value.bitPattern) == [Double.nan.bitPattern, (-0.0).bitPattern])
        }
    }
}
