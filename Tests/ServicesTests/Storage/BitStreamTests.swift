import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

extension StorageTests {
    @Suite("bit stream")
    struct BitStreamTests {
        @Test("fields of every width read back as written")
        func fieldsRoundTrip() throws {
            var generator = SeededGenerator(seed: 7)
            var fields: [(UInt64, Int)] = []
            var writer = BitWriter()
            for _ in 0..<2_000 {
                let width = Int.random(in: 0...64, using: &generator)
                let value = width == 0 ? 0 : UInt64.random(in: 0...UInt64.max, using: &generator) >> UInt64(64 - width)
                fields.append((value, width))
                writer.write(value, bits: width)
            }
            #expect(writer.bitCount == fields.reduce(0) { $0 + $1.1 })
            var reader = BitReader(writer.finish())
            for (value, width) in fields {
                #expect(try reader.read(bits: width) == value)
            }
            #expect(reader.bitsLeft < 8)
        }

        @Test("signed integers round trip through the bucket code, extremes included")
        func signedRoundTrip() throws {
            let values: [Int64] = [
                0, 1, -1, 7, -8, 8, 127, -128, 8191, -8192, 1 << 23, -(1 << 39), .max, .min, 1000, -3,
            ]
            var writer = BitWriter()
            for value in values { writer.writeSigned(value) }
            #expect(writer.bitCount == values.reduce(0) { $0 + BitWriter.signedCost($1) })
            var reader = BitReader(writer.finish())
            for value in values {
                #expect(try reader.readSigned() == value)
            }
        }

        @Test("zero costs one bit, small jitter a handful")
        func bucketCosts() {
            #expect(BitWriter.signedCost(0) == 1)
            #expect(BitWriter.signedCost(3) <= 6)
            #expect(BitWriter.signedCost(-3) <= 6)
        }

        @Test("reading past the end throws instead of trapping")
        func truncatedInputThrows() {
            var reader = BitReader([0xFF])
            #expect(throws: CodecError.self) { try reader.read(bits: 9) }
            var bytes = ByteReader([0x80, 0x80])
            #expect(throws: CodecError.self) { try bytes.readVarint() }
        }

        @Test("varints and doubles round trip at byte level")
        func byteFields() throws {
            var writer = ByteWriter()
            let unsigned: [UInt64] = [0, 127, 128, 300, .max]
            let signed: [Int64] = [0, -1, 1, .min, .max]
            let doubles: [Double] = [0, -0.0, .nan, .infinity, -.infinity, Double.leastNormalMagnitude / 3, .pi]
            for value in unsigned { writer.writeVarint(value) }
            for value in signed { writer.writeSignedVarint(value) }
            for value in doubles { writer.writeDouble(value) }
            var reader = ByteReader(writer.bytes)
            for value in unsigned { #expect(try reader.readVarint() == value) }
            for value in signed { #expect(try reader.readSignedVarint() == value) }
            for value in doubles { #expect(try reader.readDouble().bitPattern == value.bitPattern) }
            #expect(reader.isAtEnd)
        }
    }
}

extension StorageTests {
    /// A small deterministic generator, so failures reproduce.
    typealias SeededGenerator = SplitMix64
}
