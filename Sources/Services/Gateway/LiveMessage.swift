import SMSCore
import Foundation

/// The JSON messages of `/ws`, server to browser.
///
/// `snapshot` carries the whole fleet; `update` carries only machines that changed since the last message to
/// that client, the details of machines it subscribed to, and the alert list when it changed.
enum LiveMessage {
    /// The first message on a connection, and again after a spec reload.
    struct Snapshot: Encodable {
        var type = "snapshot"
        var serverTimeMs: Int64
        var spec: String
        var specHash: String
        var readOnly: Bool
        var flushIntervalMs: Int64
        var machines: [MachineSummary]
        var alerts: [AlertStatusDTO]
        /// The last ~120 s of card figures per machine, for sparklines.
        var recent: [String: RecentFigures]
    }

    /// The answer to a message the gateway does not close over (an unknown machine).
    struct Notice: Encodable {
        var type = "error"
        var error: String
    }

    static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try JSONEncoder().encode(value))
    }

    /// `{"type":"update","serverTimeMs":…,"machines":[…],"details":[…],"alerts":[…]}` from pre-encoded parts,
    /// so a summary encoded once is shared by every client.
    static func update(serverTimeMs: Int64, machines: [[UInt8]], details: [[UInt8]], alerts: [UInt8]?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + machines.reduce(0) { $0 + $1.count + 1 } + details.reduce(0) { $0 + $1.count + 1 })
        out += Array("{\"type\":\"update\",\"serverTimeMs\":\(serverTimeMs),\"machines\":".utf8)
        appendArray(machines, to: &out)
        out += Array(",\"details\":".utf8)
        appendArray(details, to: &out)
        if let alerts {
            out += Array(",\"alerts\":".utf8)
            out += alerts
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static func appendArray(_ items: [[UInt8]], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += item
        }
        out.append(UInt8(ascii: "]"))
    }
}
