import SMSCore

/// Where a `/ws` connection gets its first message and machine details: the hub's live feed, or the edge's relay.
protocol LiveSource: Sendable {
    /// The encoded `snapshot` message a new client gets first.
    func snapshot() async throws -> [UInt8]
    /// One machine's encoded detail, or nil when unknown (or not streamed by this source).
    func detail(_ id: String, includeSeries: Bool) async -> [UInt8]?
}

extension LiveFeed: LiveSource {}
