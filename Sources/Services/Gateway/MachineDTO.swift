import SMSCore
import Spec

/// The handful of figures a fleet card shows; nil when the machine does not report that metric.
public struct KeyValues: Sendable, Codable, Equatable {
    public var cpu: Double?
    public var cores: Double?
    public var memory: Double?
    public var memoryUsedBytes: Double?
    public var memoryTotalBytes: Double?
    /// The fullest filesystem's used share, and its mount.
    public var disk: Double?
    public var diskMount: String?
    public var diskReadBytes: Double?
    public var diskWriteBytes: Double?
    /// Summed over interfaces except loopback, bytes per second.
    public var netRxBytes: Double?
    public var netTxBytes: Double?
    public var load1: Double?
    public var load5: Double?
    public var load15: Double?
    public var uptimeSeconds: Double?
    /// The busiest container's (or service's) CPU, percent of one core, and its name.
    public var topContainerCpu: Double?
    public var topContainer: String?
}

/// How a machine is doing, in the order the fleet view sorts by (worst first).
public enum MachineStatus: String, Sendable, Codable, CaseIterable {
    case critical, warning, down, pending, ok

    var rank: Int { Self.allCases.firstIndex(of: self)! }
}

/// One machine as the fleet view and `/api/machines` show it: the spec's view merged with live state.
public struct MachineSummary: Sendable, Codable, Equatable {
    public var id: String
    public var host: String?
    public var labels: [String: String]
    public var intervalMs: Int64
    /// False for a machine reporting to the hub although the spec in force no longer declares it.
    public var declared: Bool
    public var status: MachineStatus
    public var connected: Bool
    public var lastSeenMs: Int64?
    public var lastSampleMs: Int64?
    public var lagMs: Int64?
    /// The machine's clock ahead of the hub's (negative: behind), within the network's delay.
    public var clockOffsetMs: Int64?
    public var agentVersion: String?
    public var configHash: String?
    /// True when the collector runs with a config whose hash differs from the spec in force.
    public var specDrift: Bool?
    public var backlog: UInt64?
    public var samplesPerSecond: Double
    /// Share of time with data over the last `1h`, `24h` and `7d` (0…1), from the gap ledger; nil before its
    /// first record of the machine (docs/gaps.md).
    public var completeness: [String: Double]?
    public var values: KeyValues
    /// Worst active alert severity, nil when none.
    public var alertState: AlertStatusDTO.Severity?
    public var alerts: [AlertStatusDTO]
}

/// One series' current value, labels spelled out (`disk.used_percent`, `{mount: "/"}`).
public struct SeriesValue: Sendable, Codable, Equatable {
    public var metric: String
    public var labels: [String: String]
    public var value: Double
}

/// Everything the machine view needs beyond the summary: every current value and the busiest processes.
public struct MachineDetail: Sendable, Codable, Equatable {
    public var machine: MachineSummary
    public var samples: [SeriesValue]
    /// Series the history store knows for this machine (what the machine view can chart).
    public var series: [SeriesKey]
    public var top: [TopProcess]
}

extension SeriesKey {
    /// Parses the canonical text form `metric{k="v",k2="v2"}` (values with `\"` and `\\` escaped) back into a
    /// key; nil when malformed.
    init?(canonical text: String) {
        let bytes = Array(text.utf8)
        guard let brace = bytes.firstIndex(of: UInt8(ascii: "{")) else {
            self.init(text)
            return
        }
        guard bytes.last == UInt8(ascii: "}") else { return nil }
        let end = bytes.count - 1
        var labels: [String: String] = [:]
        var i = brace + 1
        while i < end {
            guard let eq = bytes[i..<end].firstIndex(of: UInt8(ascii: "=")), eq + 1 < end,
                bytes[eq + 1] == UInt8(ascii: "\"")
            else { return nil }
            let key = String(decoding: bytes[i..<eq], as: UTF8.self)
            var value: [UInt8] = []
            var j = eq + 2
            while j < end && bytes[j] != UInt8(ascii: "\"") {
                if bytes[j] == UInt8(ascii: "\\") && j + 1 < end { j += 1 }
                value.append(bytes[j])
                j += 1
            }
            guard j < end else { return nil }
            labels[key] = String(decoding: value, as: UTF8.self)
            i = j + 1
            if i < end {
                guard bytes[i] == UInt8(ascii: ",") else { return nil }
                i += 1
            }
        }
        self.init(String(decoding: bytes[..<brace], as: UTF8.self), labels)
    }
}
