import Testing

@testable import Controller

/// `smsctl status` shows each machine's clock against the hub's, and says when it is far enough off to matter.
@Suite("Status clock column")
struct StatusClockTests {
    @Test("within a second is ok; otherwise the offset with its sign", arguments: [
        (Int64(0), "ok"), (Int64(-999), "ok"), (Int64(1_500), "+1s"), (Int64(-3_000), "-3s"), (Int64(552_000), "+9m12s"),
        (Int64(-3 * 86_400_000), "-3d0h"),
    ])
    func column(offsetMs: Int64, shown: String) {
        #expect(StatusText.clock(offsetMs) == shown)
    }

    @Test("10 s or more off is a problem naming the direction, the consequence and the fix")
    func problems() throws {
        #expect(StatusText.clockProblem(nil) == nil)
        #expect(StatusText.clockProblem(9_999) == nil)
        #expect(StatusText.clockProblem(-9_999) == nil)
        let ahead = try #require(StatusText.clockProblem(552_000))
        #expect(ahead.contains("9m12s ahead of the hub's") && ahead.contains("refused") && ahead.contains("time sync"))
        let behind = try #require(StatusText.clockProblem(-30_000))
        #expect(behind.contains("30s behind the hub's") && behind.contains("wrong time"))
        let slightlyAhead = try #require(StatusText.clockProblem(20_000))
        #expect(slightlyAhead.contains("wrong time"))
    }
}
