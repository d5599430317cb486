import Foundation
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

extension StorageTests {
    @Suite("Gorilla chunk")
    struct GorillaChunkTests {
        /// Timestamps every second from a fixed start, with optional jitter and gaps.
        static func times(_ count: Int, jitter: Int64 = 0, gapEvery: Int = 0, seed: UInt64 = 1) -> [Int64] {
            var generator = SeededGenerator(seed: seed)
            var t: Int64 = 1_700_000_000_000
            return (0..<count).map { index in
                t += 1000 + (gapEvery > 0 && index % gapEvery == gapEvery - 1 ? 3_600_000 : 0)
                return t + (jitter == 0 ? 0 : Int64.random(in: -jitter...jitter, using: &generator))
            }
        }

        static let cases: [(name: String, values: [Double])] = {
            var generator = SeededGenerator(seed: 42)
            var walk = 50.0
            let randomWalk = (0..<500).map { _ in
                walk += Double.random(in: -1...1, using: &generator)
                return walk
            }
            let specials: [Double] = [
                .nan, -.nan, Double(bitPattern: 0x7FF8_0000_0000_1234), .infinity, -.infinity, -0.0, 0.0,
                .leastNonzeroMagnitude, -.greatestFiniteMagnitude, .greatestFiniteMagnitude, 1e-300, 42,
            ]
            let jumps: [Double] = (0..<200).map { $0 % 2 == 0 ? 1e300 : -1e-300 }
            return [
                ("random walk", randomWalk),
                ("constant", Array(repeating: 12.5, count: 300)),
                ("specials", specials + specials.reversed() + specials),
                ("huge jumps", jumps),
                ("integers", (0..<400).map { Double($0 * 4096) }),
                ("single", [3.25]),
                ("empty", []),
            ]
        }()

        @Test("values and timestamps round trip bit for bit", arguments: cases.indices)
        func roundTrip(caseIndex: Int) throws {
            let values = Self.cases[caseIndex].values
            for times in [Self.times(values.count), Self.times(values.count, jitter: 5, gapEvery: 97)] {
                let decoded = try GorillaChunk.decode(GorillaChunk.encode(times: times, values: values))
                #expect(decoded.times == times)
                #expect(decoded.values.map(\.bitPattern) == values.map(\.bitPattern), "\(Self.cases[caseIndex].name)")
            }
        }

        @Test("timestamps going backwards and across the whole Int64 range survive")
        func extremeTimestamps() throws {
            let times: [Int64] = [.max, .min, 0, -5, 1_700_000_000_000, 1_700_000_000_000, 1_699_999_999_000, .max]
            let values = times.map { Double($0) }
            let decoded = try GorillaChunk.decode(GorillaChunk.encode(times: times, values: values))
            #expect(decoded.times == times)
        }

        @Test("a steady 1 s series compresses to about a bit per timestamp and value")
        func steadySeriesIsSmall() {
            let bytes = GorillaChunk.encode(times: Self.times(240), values: Array(repeating: 1, count: 240))
            #expect(bytes.count < 100)
        }

        @Test("truncated chunks throw")
        func truncatedChunkThrows() {
            let bytes = GorillaChunk.encode(times: Self.times(100), values: Self.cases[0].values.prefix(100).map { $0 })
            #expect(throws: CodecError.self) { try GorillaChunk.decode(Array(bytes.prefix(bytes.count / 2))) }
        }
    }
}
