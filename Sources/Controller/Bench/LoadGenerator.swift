import Services
import SMSCore
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

/// What `smsctl bench load` simulates.
public struct LoadConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var machines: Int
    public var metrics: Int
    public var intervalMs: Int64
    public var durationMs: Int64
    public var token: String
    public var idPrefix: String
    /// False: every machine sends at the same instant each interval (the worst burst). True: each machine has
    /// its own phase in the interval plus a little noise per tick, like real collectors started at random times.
    public var jitter: Bool
    public var streamsPerClient: Int
    /// How long to wait after the last send for outstanding Acks before counting loss.
    public var drainMs: Int64

    public init(host: String, port: Int, machines: Int, metrics: Int, intervalMs: Int64, durationMs: Int64, token: String,
                idPrefix: String, jitter: Bool, streamsPerClient: Int = 100, drainMs: Int64 = 5000) {
        self.host = host
        self.port = port
        self.machines = machines
        self.metrics = metrics
        self.intervalMs = intervalMs
        self.durationMs = durationMs
        self.token = token
        self.idPrefix = idPrefix
        self.jitter = jitter
        self.streamsPerClient = streamsPerClient
        self.drainMs = drainMs
    }

    /// `sim-0001`: zero-padded to at least four digits so ids sort like numbers.
    public func machineID(_ index: Int) -> String {
        let digits = max(4, String(machines).count)
        let n = String(index + 1)
        return idPrefix + String(repeating: "0", count: max(0, digits - n.count)) + n
    }
}

/// Simulates many collectors, each on its own Ingest stream, spread over a few HTTP/2 connections.
public enum LoadGenerator {
    /// Runs the whole load and drain, then reports.
    public static func run(_ config: LoadConfiguration) async -> LoadReport {
        let tallies = (0..<config.machines).map { _ in StreamTally() }
        let schedule = Schedule(config: config)
        let cpuBefore = ProcessCPU.seconds()
        await withTaskGroup(of: Void.self) { top in
            top.addTask {
                await withTaskGroup(of: Void.self) { group in
                    for start in stride(from: 0, to: config.machines, by: max(1, config.streamsPerClient)) {
                        let range = start..<min(config.machines, start + config.streamsPerClient)
                        group.addTask { await runClient(range, config: config, schedule: schedule, tallies: tallies) }
                    }
                }
            }
            // A hard stop, in case the hub never closes a stream: every process we start must end by itself.
            top.addTask { try? await Task.sleep(until: schedule.hardStop, clock: .continuous) }
            await top.next()
            top.cancelAll()
        }
        return LoadReport(config: config, tallies: tallies.map { $0.state.withLock { $0 } },
                          cpuSeconds: ProcessCPU.seconds() - cpuBefore)
    }

    private static func runClient(_ range: Range<Int>, config: LoadConfiguration, schedule: Schedule, tallies: [StreamTally]) async {
        do {
            try await withGRPCClient(
                transport: .http2NIOPosix(target: .ipv4(address: config.host, port: config.port), transportSecurity: .plaintext)
            ) { client in
                await withTaskGroup(of: Void.self) { group in
                    for index in range {
                        group.addTask { await runStream(index, client: client, config: config, schedule: schedule, tally: tallies[index]) }
                    }
                }
            }
        } catch {
            for i in range { tallies[i].failed("client: \(error)") }
        }
    }

    private static func runStream(_ index: Int, client: GRPCClient<HTTP2ClientTransport.Posix>, config: LoadConfiguration,
                                  schedule: Schedule, tally: StreamTally) async {
        let id = config.machineID(index)
        let ingest = Sms_V1_Ingest.Client(wrapping: client)
        var metadata = Metadata()
        metadata.addString("Bearer \(config.token)", forKey: "authorization")
        metadata.addString(id, forKey: "sms-machine")
        let firstAck = FirstAck()
        let request = StreamingClientRequest<Sms_V1_Batch>(metadata: metadata) { writer in
            var seq = await firstAck.wait()
            guard seq != UInt64.max else { return }
            var encoder = StreamEncoder(machine: id, agentVersion: "bench", specHash: "")
            var machine = SimulatedMachine(index: index, metrics: config.metrics)
            var rng = SplitMix64(seed: UInt64(index) &+ 99)
            let phase = config.jitter ? Int64(rng.unit() * Double(config.intervalMs)) : 0
            var tick = schedule.firstTick(after: ContinuousClock.now, phaseMs: phase)
            while tick < schedule.ticks, !Task.isCancelled {
                let noise = config.jitter ? Int64(rng.unit() * 20) : 0
                try await Task.sleep(until: schedule.instant(tick, offsetMs: phase + noise), clock: .continuous)
                seq += 1
                let now = Wall.nowMs()
                let batch = Batch(machine: id, seq: seq, snapshot: Snapshot(timestampMs: now, samples: machine.tick()))
                let message = encoder.encode(batch)
                let bytes: [UInt8] = try message.serializedBytes()
                tally.sent(seq: seq, timestampMs: now, samples: batch.snapshot.samples.count, bytes: bytes.count)
                try await writer.write(message)
                tick += 1
            }
            while tally.unacknowledged > 0, ContinuousClock.now < schedule.drainEnd {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        do {
            try await ingest.stream(request: request) { response in
                for try await ack in response.messages {
                    firstAck.open(ack.ackedSeq)
                    tally.acknowledge(ack.ackedSeq, nowMs: Wall.nowMs())
                }
            }
        } catch {
            if !Task.isCancelled {
                tally.failed((error as? RPCError).map { "\($0.code): \($0.message)" } ?? "\(error)")
            }
        }
        // A stream refused before its first Ack leaves its writer waiting: let it go.
        firstAck.open(UInt64.max)
    }
}

/// When ticks fall: on interval boundaries of the wall clock (like collectors), mapped to the monotonic clock.
struct Schedule: Sendable {
    let origin: ContinuousClock.Instant
    let originWallMs: Int64
    let firstBoundaryMs: Int64
    let intervalMs: Int64
    let ticks: Int
    let drainEnd: ContinuousClock.Instant
    let hardStop: ContinuousClock.Instant

    init(config: LoadConfiguration) {
        origin = .now
        originWallMs = Wall.nowMs()
        intervalMs = max(1, config.intervalMs)
        // Give the streams a second to connect before the first tick.
        firstBoundaryMs = ((originWallMs + 1000) / intervalMs + 1) * intervalMs
        ticks = Int(max(1, config.durationMs / intervalMs))
        let sendEnd = origin + .milliseconds(firstBoundaryMs - originWallMs + Int64(ticks) * intervalMs)
        drainEnd = sendEnd + .milliseconds(config.drainMs)
        hardStop = drainEnd + .seconds(3)
    }

    func instant(_ tick: Int, offsetMs: Int64) -> ContinuousClock.Instant {
        origin + .milliseconds(firstBoundaryMs - originWallMs + Int64(tick) * intervalMs + offsetMs)
    }

    /// The first tick not yet due (a stream that connected late skips what it missed).
    func firstTick(after now: ContinuousClock.Instant, phaseMs: Int64) -> Int {
        var tick = 0
        while tick < ticks, instant(tick, offsetMs: phaseMs) < now { tick += 1 }
        return tick
    }
}

enum Wall {
    static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}

/// CPU time (user + system) of this process so far, in seconds.
enum ProcessCPU {
    static func seconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
