import SMSCore

/// Samples per second of one machine over the last ~10 s of arrivals: the samples of every batch after the
/// first in the window, over the time the window spans (0 until two batches arrived).
///
/// Kept by whichever process writes a machine's state (the embedded store, or the aggregator writing to Redis).
struct SampleRateWindow: Sendable {
    static let spanMs: Int64 = 10_000
    private var arrivals: [(ms: Int64, samples: Int)] = []

    /// Adds a batch that arrived at `receivedMs` and returns the rate including it.
    mutating func record(receivedMs: Int64, samples: Int) -> Double {
        arrivals.append((receivedMs, samples))
        arrivals.removeAll { receivedMs - $0.ms > Self.spanMs }
        guard arrivals.count >= 2 else { return 0 }
        let span = max(1, Double(receivedMs - arrivals[0].ms) / 1000)
        return Double(arrivals.dropFirst().reduce(0) { $0 + $1.samples }) / span
    }
}
