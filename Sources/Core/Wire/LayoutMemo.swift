/// The series ids of the last snapshot encoded. A sampler sends the same series in the same order tick after
/// tick, so their ids are taken from here after one cheap comparison (the keys share their strings) instead of a
/// hashed lookup per sample.
public struct LayoutMemo: Sendable {
    private var keys: [SeriesKey] = []
    private var ids: [UInt32] = []

    public init() {}

    /// The ids remembered, when `samples` have exactly the remembered series in the same order.
    public func ids(for samples: [Sample]) -> [UInt32]? {
        guard !keys.isEmpty, samples.count == keys.count else { return nil }
        for i in samples.indices where samples[i].series != keys[i] { return nil }
        return ids
    }

    public mutating func remember(_ samples: [Sample], ids: [UInt32]) {
        keys = samples.map(\.series)
        self.ids = ids
    }
}
