import Foundation
import Logging
import Spec
import Synchronization

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// A sink that keeps every notification the engine decided to send.
final class RecordingSink: NotificationSink {
    let sent = Mutex<[(AlertNotification, [String])]>([])

    func send(_ notification: AlertNotification, to channels: [NotifyChannel]) async {
        sent.withLock { $0.append((notification, channels.map(\.name))) }
    }

    var notifications: [AlertNotification] { sent.withLock { $0.map(\.0) } }
    func kinds(_ rule: String? = nil) -> [AlertNotification.Kind] {
        notifications.filter { rule == nil || $0.instance.key.rule == rule }.map(\.kind)
    }
}

/// Specs, batches and a driven engine for alert tests: time moves only when the test says so.
struct AlertsFixture {
    static let utc = TimeZone(identifier: "UTC")!
    static var quietLogger: Logger {
        var logger = Logger(label: "test.alerts")
        logger.logLevel = .critical
        return logger
    }

    static func cpuRule(
        warning: Double? = 80, critical: Double? = 95, clear: Double? = nil, for duration: SpecDuration = .seconds(30),
        keepFiringFor: SpecDuration? = nil, repeatInterval: SpecDuration? = nil
    ) -> AlertRule {
        AlertRule(
            name: "cpu_high", metric: "cpu.usage_percent", warning: warning, critical: critical, clear: clear,
            forDuration: duration, keepFiringFor: keepFiringFor, repeatInterval: repeatInterval)
    }

    static let machines = [
        Machine(id: "mcrn", host: "localhost", labels: ["role": "workstation"]),
        Machine(id: "nfrt", host: "192.168.1.11", labels: ["role": "server"], interval: .seconds(5)),
    ]

    static func spec(
        _ rules: [AlertRule], machines: [Machine] = machines, notify: [NotifyChannel] = [],
        maintenance: [MaintenanceWindow] = []
    ) -> Spec {
        Spec(name: "home", machines: machines, alerts: rules, notify: notify, maintenance: maintenance)
    }

    /// A spec version whose hash changes with its content, as `Spec.hash` does.
    static func version(_ spec: Spec) -> SpecVersion { SpecVersion(spec: spec, hash: spec.hash) }

    static func batch(_ samples: [Sample], machine: String = "mcrn", at ms: Int64 = 0) -> Batch {
        Batch(machine: machine, seq: 1, snapshot: Snapshot(timestampMs: ms, samples: samples))
    }

    static func cpu(_ value: Double, machine: String = "mcrn", at ms: Int64 = 0) -> Batch {
        batch([Sample("cpu.usage_percent", [:], value)], machine: machine, at: ms)
    }
}

/// An `AlertEngine` over in-memory twins, a manual clock and a recording sink.
struct AlertsHarness {
    let clock: ManualAlertClock
    let box: SpecBox
    let store: any AlertStateStore
    let sink = RecordingSink()
    let state = MemoryStateStore()
    let engine: AlertEngine

    init(
        spec: Spec, clock: ManualAlertClock = ManualAlertClock(), store: any AlertStateStore = MemoryAlertStateStore(),
        silences: URL? = nil
    ) async throws {
        self.clock = clock
        box = SpecBox(spec, hash: spec.hash)
        self.store = store
        let options = AlertsService.Options(timeZone: AlertsFixture.utc, silencesFile: silences)
        engine = AlertEngine(
            spec: box, store: store, sink: sink, state: state, clock: clock, snapshot: try await store.load(),
            silenceStore: silences.map(SilenceStore.init(url:)), options: options, metrics: AlertsMetrics(),
            logger: AlertsFixture.quietLogger)
        await engine.reloadSilences(force: true)
    }

    /// Sends `value` as `cpu.usage_percent` of `machine` every `every` seconds for `seconds`, ticking too.
    func feedCPU(_ value: Double, for seconds: Int64, every: Int64 = 5, machine: String = "mcrn") async {
        var elapsed: Int64 = 0
        while elapsed < seconds {
            await ingest(AlertsFixture.cpu(value, machine: machine))
            await engine.tick()
            clock.advance(seconds: every)
            elapsed += every
        }
    }

    /// Evaluates `batch` as if it was sampled just now (a live batch, not a replayed one).
    func ingest(_ batch: Batch) async {
        var live = batch
        live.snapshot.timestampMs = clock.nowMs() - 200
        await engine.ingest(live)
    }

    func replace(_ spec: Spec) { box.replace(spec, hash: spec.hash) }
}
