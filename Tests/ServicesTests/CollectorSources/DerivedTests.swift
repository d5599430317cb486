import Testing

@testable import Collector

@Suite("CollectorSources.derived")
struct CollectorSourcesDerivedTests {
    @Test("a rate or share is kept to five significant digits (a large one to its whole part); integers, zero and non-finite values as they are")
    func fiveDigits() {
        #expect(Derived.rounded(4099.79629657262) == 4099.8)
        #expect(Derived.rounded(13.642552102956701) == 13.643)
        #expect(Derived.rounded(0.39985126532548676) == 0.39985)
        #expect(Derived.rounded(1.0009268302179248) == 1.0009)
        #expect(Derived.rounded(123_456_789.5) == 123_456_790)  // a large one keeps its whole part
        #expect(Derived.rounded(-2.718281828) == -2.7183)
        #expect(Derived.rounded(0.000_012_345_678) == 0.000_012_346)
        for exact in [0.0, 4096, 123_456_789, -7, .infinity, -.infinity] { #expect(Derived.rounded(exact) == exact) }
        #expect(Derived.rounded(.nan).isNaN)
    }

    @Test("a rounded value is the short decimal the history store encodes in a few bits")
    func shortDecimal() {
        for value in [4099.79629657262, 13.642552102956701, 0.39985126532548676, 3.72584870740177] {
            let rounded = Derived.rounded(value)
            #expect(abs(rounded - value) <= abs(value) * 5e-5)
            #expect(Double("\(rounded)")! == rounded && "\(rounded)".count <= 8, "\(rounded)")
        }
    }
}
