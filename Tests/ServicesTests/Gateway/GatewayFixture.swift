import Foundation
import Hummingbird
import Logging
import Spec
import Synchronization

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// An alert source whose answers a test sets.
final class FixedAlerts: AlertStatusSource {
    let current = Mutex<[AlertStatusDTO]>([])
    let past = Mutex<[AlertStatusDTO]>([])
    let delivery = Mutex<[NotificationChannelStatus]>([])
    func active() async -> [AlertStatusDTO] { current.withLock { $0 } }
    func channels() async -> [NotificationChannelStatus] { delivery.withLock { $0 } }
    func history(limit: Int) async -> [AlertStatusDTO] { Array(past.withLock { $0 }.prefix(limit)) }
}

/// A gateway over in-memory twins: two declared machines (`mcrn` reporting, `nfrt` never seen).
struct GatewayFixture {
    let spec: SpecBox
    let state = MemoryStateStore()
    let bus = LocalEventBus()
    let history = MemoryHistoryStore()
    let alerts = FixedAlerts()
    let context: GatewayContext

    static let specHash = "sha256:test"

    static let machines = [
        // A long interval: mcrn counts as down only after 3 silent intervals of wall time, and a full test run
        // on two busy cores can hold a test for longer than the default 15 s between its feed and its request.
        Machine(id: "mcrn", host: "localhost", labels: ["role": "workstation"], interval: .seconds(60)),
        Machine(id: "nfrt", host: "192.168.1.11", interval: .seconds(5)),
    ]

    /// `spec` replaces the two-machine "home" spec (e.g. to declare users).
    init(alerts withAlerts: Bool = true, webRoot: String? = nil, spec given: Spec? = nil) {
        spec = SpecBox(given ?? Spec(name: "home", machines: Self.machines), hash: Self.specHash)
        var logger = Logger(label: "test.gateway")
        logger.logLevel = .warning
        context = GatewayContext(
            spec: spec, state: state, bus: bus, history: history, alerts: withAlerts ? alerts : nil,
            webRoot: webRoot, health: HealthInfo(version: "0.1.0-test"), logger: logger)
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// A batch for `machine` at `timestampMs` with CPU, memory, one disk and two interfaces.
    static func batch(_ machine: String, seq: UInt64, at timestampMs: Int64, cpu: Double = 12.5) -> Batch {
        Batch(
            machine: machine, seq: seq,
            snapshot: Snapshot(
                timestampMs: timestampMs,
                samples: [
                    Sample("cpu.usage_percent", [:], cpu),
                    Sample("cpu.count", [:], 8),
                    Sample("memory.used_percent", [:], 41),
                    Sample("memory.total_bytes", [:], 16e9),
                    Sample("disk.used_percent", ["mount": "/"], 63),
                    Sample("disk.used_percent", ["mount": "/boot"], 20),
                    Sample("net.rx_bytes_per_second", ["interface": "eth0"], 1000),
                    Sample("net.rx_bytes_per_second", ["interface": "lo"], 5000),
                    Sample("load.1m", [:], 0.7),
                ],
                top: [TopProcess(pid: 42, name: "swift-frontend", cpuPercent: 97, memoryBytes: 1 << 30)]))
    }

    /// Records `count` one-second batches for `mcrn` ending now, in state and history.
    func feed(count: Int = 30) async throws {
        let now = Self.nowMs()
        let batches = (0..<count).map {
            Self.batch("mcrn", seq: UInt64($0 + 1), at: now - Int64(count - $0) * 1000, cpu: Double($0))
        }
        _ = try await history.append(batches)
        // A collector reports the hash of its own settings, as the spec in force gives them.
        let current = spec.current().spec
        let configHash = current.machine("mcrn").map { current.collectorConfigHash($0) }
        for b in batches {
            try await state.record(b, agentVersion: "0.1.0", specHash: configHash, backlog: 0, receivedMs: now)
        }
    }

    func app(_ configuration: GatewayConfiguration = GatewayConfiguration(auth: .open, host: "127.0.0.1", port: 0))
        throws -> some ApplicationProtocol
    {
        try buildGatewayApplication(context: context, configuration: configuration)
    }
}

extension ByteBuffer {
    /// The body as JSON, for assertions.
    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(readableBytesView)) as? [String: Any] ?? [:]
    }
}
