import SMSCore
import Foundation
import Hummingbird

/// Encodes API answers the same way everywhere: JSON, UTF-8, no caching (the data is live).
enum JSONResponse {
    /// The body encoder; plain keys so the dashboard and scripts read what the DTOs say.
    static func encoder() -> JSONEncoder {
        JSONEncoder()
    }

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder().encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `/api/machines`: the fleet, worst first.
struct MachineList: Encodable {
    var spec: String
    var specHash: String
    var serverTimeMs: Int64
    var machines: [MachineSummary]
}

/// `/api/alerts` and `/api/alerts/history`.
struct AlertList: Encodable {
    var alerts: [AlertStatusDTO]
    /// On `/api/alerts` only: each notification channel's delivery state.
    var channels: [NotificationChannelStatus]?
}
