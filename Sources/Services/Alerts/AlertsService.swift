import SMSCore
import Foundation
import Logging
import ServiceLifecycle
import Spec
import Synchronization

/// The alerts role: evaluates the spec's rules on the live stream, notifies, persists, and tells the gateway.
///
/// Runs in the hub's ServiceGroup (or alone as `smsctl run alerts`). The spec is read from the provider at
/// every evaluation, so a SIGHUP reload applies without a restart. Silences are re-read when their file
/// changes (checked every few seconds) and when `reloadSilences()` is called (the hub does on SIGHUP).
public final class AlertsService: Service, AlertStatusSource {
    /// Timings and files; the defaults suit the hub.
    public struct Options: Sendable {
        /// How often time-driven rules (absence, `keep_firing_for`, repeats) are evaluated.
        public var tickInterval: Duration
        /// How often the silences file's modification time is checked.
        public var silenceCheckInterval: Duration
        /// After a start, absence rules wait `max(absent_for, minimumGrace)` for collectors to reconnect.
        public var minimumGrace: SpecDuration
        /// A series not seen for this long while its machine reports resolves.
        public var staleAfter: SpecDuration
        /// Maintenance windows and the times in summaries are in this zone.
        public var timeZone: TimeZone
        /// `silences.json` (`StateDirectory.silencesFile`); nil: no silences.
        public var silencesFile: URL?
        /// The alert database; nil: `<data dir>/alerts.sqlite`.
        public var databaseFile: URL?
        public var notifier: Notifier.Options

        public init(
            tickInterval: Duration = .seconds(1), silenceCheckInterval: Duration = .seconds(2),
            minimumGrace: SpecDuration = .seconds(30), staleAfter: SpecDuration = .minutes(5),
            timeZone: TimeZone = .current, silencesFile: URL? = nil, databaseFile: URL? = nil,
            notifier: Notifier.Options = Notifier.Options()
        ) {
            self.tickInterval = tickInterval
            self.silenceCheckInterval = silenceCheckInterval
            self.minimumGrace = minimumGrace
            self.staleAfter = staleAfter
            self.timeZone = timeZone
            self.silencesFile = silencesFile
            self.databaseFile = databaseFile
            self.notifier = notifier
        }
    }

    let spec: any SpecProvider
    let bus: any EventBus
    let state: any StateStore
    let dataDir: URL
    let logger: Logger
    let clock: any AlertClock
    let options: Options
    let notifier: Notifier
    let givenStore: (any AlertStateStore)?
    let metrics = AlertsMetrics()
    private let engine = Mutex<AlertEngine?>(nil)

    /// `store` replaces the SQLite file (tests pass `MemoryAlertStateStore`); `sink` replaces webhook delivery.
    public init(
        spec: any SpecProvider, bus: any EventBus, state: any StateStore, dataDir: URL, logger: Logger,
        clock: any AlertClock = SystemAlertClock(), options: Options = Options(),
        transport: any WebhookTransport = URLSessionWebhookTransport(), mail: any MailTransport = SMTPMailTransport(),
        store: (any AlertStateStore)? = nil
    ) {
        self.spec = spec
        self.bus = bus
        self.state = state
        self.dataDir = dataDir
        self.logger = logger
        self.clock = clock
        self.options = options
        givenStore = store
        var outbox: Outbox?
        do {
            outbox = try Outbox(directory: dataDir.appendingPathComponent("outbox"))
        } catch {
            logger.error("alert notifications are kept in memory only: a restart would lose undelivered ones", metadata: [
                "error": "\(error)",
            ])
        }
        notifier = Notifier(
            transport: transport, mail: mail, options: options.notifier, metrics: metrics, outbox: outbox, logger: logger)
    }

    public func run() async throws {
        let events = bus.subscribe(bufferSize: 4096)
        let engine = await start()
        await notifier.restore(channels: spec.current().spec.notify)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.notifier.run() }
                group.addTask {
                    for await event in events {
                        if case .batch(let batch) = event { await engine.ingest(batch) }
                    }
                }
                group.addTask { await self.tickLoop(engine) }
                group.addTask { await self.silenceLoop(engine) }
            }
        }
        await engine.flush()
        if givenStore == nil { try? await engine.store.close() }
        // Notifications decided before the shutdown are recorded as sent: give them a last chance to go out.
        await notifier.sendRemaining(within: .seconds(5))
        let undelivered = await notifier.backlog()
        logger.info("alerts stopped", metadata: [
            "undelivered": "\(undelivered)", "kept": "\(notifier.outbox == nil ? "no" : "in the outbox, sent at the next start")",
        ])
    }

    /// Opens the store, restores the saved state and installs the engine.
    func start() async -> AlertEngine {
        let store = await openStore()
        let snapshot: AlertStoreSnapshot
        do {
            snapshot = try await store.load()
        } catch {
            logger.error("alert state not restored; starting with no active alerts", metadata: ["error": "\(error)"])
            snapshot = AlertStoreSnapshot()
        }
        let engine = AlertEngine(
            spec: spec, store: store, sink: notifier, state: state, clock: clock, snapshot: snapshot,
            silenceStore: options.silencesFile.map(SilenceStore.init(url:)), options: options, metrics: metrics,
            logger: logger)
        await engine.reloadSilences(force: true)
        self.engine.withLock { $0 = engine }
        logger.info(
            "alerts started",
            metadata: [
                "restored": "\(snapshot.instances.count)",
                "rules": "\(spec.current().spec.alerts.filter(\.enabled).count)",
            ])
        return engine
    }

    /// The given store, else `alerts.sqlite`; when that cannot be opened, memory (alerting beats persistence).
    private func openStore() async -> any AlertStateStore {
        if let givenStore { return givenStore }
        let path = (options.databaseFile ?? dataDir.appendingPathComponent("alerts.sqlite")).path
        do {
            try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
            return try await SQLiteAlertStateStore.open(path: path, logger: logger)
        } catch {
            logger.error(
                "alert state is kept in memory only: it will not survive a restart",
                metadata: [
                    "error": "\(error)", "path": "\(path)",
                ])
            return MemoryAlertStateStore()
        }
    }

    private func tickLoop(_ engine: AlertEngine) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: options.tickInterval) } catch { return }
            await engine.tick()
        }
    }

    /// Re-reads silences when the file changes. SIGHUP reaches `reloadSilences()` through the hub's
    /// `SpecReloader`: a second SIGHUP dispatch source in the process would take the signal away from it.
    private func silenceLoop(_ engine: AlertEngine) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: options.silenceCheckInterval) } catch { return }
            await engine.reloadSilences()
        }
    }

    /// True once the store is open and state restored (`run` has started evaluating).
    public var isStarted: Bool { engine.withLock { $0 != nil } }

    // MARK: AlertStatusSource

    public func active() async -> [AlertStatusDTO] {
        guard let engine = engine.withLock({ $0 }) else { return [] }
        return await engine.active()
    }

    public func history(limit: Int) async -> [AlertStatusDTO] {
        guard let engine = engine.withLock({ $0 }) else { return [] }
        return await engine.history(limit: limit)
    }

    public func channels() async -> [NotificationChannelStatus] {
        await notifier.channelStatus(declared: spec.current().spec.notify.map(\.name))
    }

    // MARK: Driving the service without its loops (tests, replays)

    /// Evaluates one batch now, as the bus loop does.
    public func process(_ batch: Batch) async {
        await engine.withLock({ $0 })?.ingest(batch)
    }

    /// Runs one time-driven evaluation now, as the tick loop does.
    public func tick() async {
        await engine.withLock({ $0 })?.tick()
    }

    /// Re-reads the silences file now, as SIGHUP does.
    public func reloadSilences() async {
        await engine.withLock({ $0 })?.reloadSilences(force: true)
    }
}
