import ArgumentParser
import Foundation
import Logging
import Controller
import SMSCore
import Services

/// `smsctl bench …`: load generation and measurement helpers for bench/run and docs/benchmarks.md.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks: simulate collectors against a hub, write a bench spec, size history.",
        subcommands: [BenchLoadCommand.self, BenchSpecCommand.self, BenchHistoryCommand.self, BenchStoreCommand.self])
}

/// `smsctl bench load`: N simulated collectors, each on its own stream, with Ack latency and loss.
struct BenchLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Simulate N collectors streaming to a hub; report sent, acknowledged, loss and Ack latency.")

    enum Format: String, ExpressibleByArgument { case text, json }

    @Option(help: "The hub's gRPC address, HOST:PORT (an IPv4 literal).") var hub: String
    @Option(help: "Simulated machines (each its own stream and machine id).") var machines: Int
    @Option(help: "Samples per batch.") var metrics = 40
    @Option(help: "Batch interval, e.g. 1s or 500ms.") var interval = "1s"
    @Option(help: "How long to send, e.g. 120s or 2m.") var duration = "120s"
    @Option(help: "File holding the token every simulated machine uses.") var tokenFile: String?
    @Option(help: "Environment variable holding the token.") var tokenEnv: String?
    @Option(help: "Machine id prefix: sim-0001, sim-0002, …") var idPrefix = "sim-"
    @Flag(help: "Give each machine its own phase in the interval instead of sending all at once.") var jitter = false
    @Option(help: "Streams per HTTP/2 connection.") var streamsPerClient = 100
    @Option(help: "Wait this long after the last send for Acks before counting loss.") var drain = "5s"
    @Option(name: [.customShort("o"), .customLong("output")], help: "Output format: text or json.") var format: Format = .text

    func run() async throws {
        let parts = hub.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--hub must be HOST:PORT, got '\(hub)'") }
        guard machines > 0, metrics > 0 else { throw ValidationError("--machines and --metrics must be positive") }
        let token = try readToken()
        let config = LoadConfiguration(
            host: String(parts[0]), port: port, machines: machines, metrics: metrics,
            intervalMs: try BenchDuration.ms(interval, "--interval"), durationMs: try BenchDuration.ms(duration, "--duration"),
            token: token, idPrefix: idPrefix, jitter: jitter, streamsPerClient: streamsPerClient,
            drainMs: try BenchDuration.ms(drain, "--drain"))
        let report = await LoadGenerator.run(config)
        print(format == .json ? try report.json() : report.text)
        if report.streamsOpened == 0 { throw ExitCode(1) }
    }

    private func readToken() throws -> String {
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw ControllerError("cannot read --token-file \(tokenFile)")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let tokenEnv {
            guard let value = ProcessInfo.processInfo.environment[tokenEnv], !value.isEmpty else {
                throw ControllerError("environment variable \(tokenEnv) is empty or unset")
            }
            return value
        }
        throw ValidationError("give the machines' token with --token-file FILE or --token-env NAME")
    }
}

/// `smsctl bench spec`: a spec of N machines sharing one token file, plus that token file.
struct BenchSpecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spec", abstract: "Write a spec with N simulated machines and the token file they share.")

    @Option(help: "Number of machines.") var machines: Int
    @Option(help: "The spec file to write; the token goes beside it as bench.token.") var out: String
    @Option(help: "The hub's gRPC port.") var grpcPort = 50151
    @Option(help: "The hub's HTTP port.") var httpPort = 8180
    @Option(help: "Machine id prefix.") var idPrefix = "sim-"
    @Option(help: "The spec's name (its state goes to .sms/NAME beside it).") var name = "bench"
    @Option(help: "hub.state: embedded or redis://HOST:PORT/DB.") var state = "embedded"
    @Option(help: "hub.history: embedded or postgres://USER@HOST:PORT/DB.") var history = "embedded"
    @Option(help: "hub.tls: off (the load generator speaks plaintext gRPC) or auto (a generated CA, as apply makes; for real collectors).")
    var tls = "off"

    func validate() throws {
        guard ["off", "auto"].contains(tls) else { throw ValidationError("--tls is off or auto, not \(tls)") }
    }

    func run() throws {
        let spec = URL(fileURLWithPath: out)
        let dir = spec.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tokenURL = dir.appendingPathComponent("bench.token")
        if !FileManager.default.fileExists(atPath: tokenURL.path) {
            let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            _ = FileManager.default.createFile(atPath: tokenURL.path, contents: Data((token + "\n").utf8),
                                           attributes: [.posixPermissions: 0o600])
        }
        let yaml = BenchSpec.yaml(name: name, machines: machines, idPrefix: idPrefix, grpcPort: grpcPort, httpPort: httpPort,
                                  tokenFile: "bench.token", state: state, history: history, tls: tls)
        try yaml.write(to: spec, atomically: true, encoding: .utf8)
        print("\(spec.path): \(machines) machines; token in \(tokenURL.path)")
    }
}

/// `smsctl bench history FILE|URL`: samples stored in a history and the bytes they take.
struct BenchHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Print samples and bytes per sample of an embedded history.sqlite (hub stopped) or a PostgreSQL history.")

    @Argument(help: "The history.sqlite file, or the postgres:// URL of hub.history.") var location: String

    func run() async throws {
        let logger = Logger(label: "sms.bench")
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            let store = try await PostgresHistoryStore.open(url: location, logger: logger)
            let stats = try await store.stats()
            try await store.close()
            print(#"{"samples": \#(stats.samples), "rawBytes": \#(stats.rawBytes), "totalBytes": \#(stats.totalBytes), "#
                  + #""rawBytesPerSample": \#(stats.bytesPerSample)}"#)
            return
        }
        let file = location
        guard FileManager.default.fileExists(atPath: file) else { throw ControllerError("no such file: \(file)") }
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        let store = try await SQLiteHistoryStore.open(path: file, logger: logger)
        let stats = try await store.stats()
        try await store.close()
        print(#"{"samples": \#(stats.samples), "rawBytes": \#(stats.rawBytes), "totalBytes": \#(stats.totalBytes), "#
              + #""fileBytes": \#(fileBytes), "rawBytesPerSample": \#(stats.bytesPerSample), "#
              + #""fileBytesPerSample": \#(stats.samples == 0 ? 0 : Double(fileBytes) / Double(stats.samples))}"#)
    }
}

/// `smsctl bench store`: one aggregator's history writes, without the network.
struct BenchStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Write simulated machines' batches straight into a history store, as one aggregator's committer does.",
        discussion: """
            Every machine makes one batch per interval, all on the same tick; the batches go to the store in group \
            commits of --group. Run several at once with different --prefix values against one postgres:// history \
            to measure a database shared by several aggregators (bench/run --phases store does). The database must \
            be one for benchmarks: the machines are written into it.

              smsctl bench store --history postgres://sms@127.0.0.1:5432/bench --machines 2500 --prefix a1- -o json
            """)

    @Option(help: "A postgres:// URL, or the path of an embedded history.sqlite to create.") var history: String
    @Option(help: "Simulated machines.") var machines: Int
    @Option(help: "Samples per batch.") var metrics = 40
    @Option(help: "Machine name prefix: PREFIX0001, PREFIX0002, …") var prefix = "store-"
    @Option(help: "Batch interval, e.g. 1s.") var interval = "1s"
    @Option(help: "How long to write, e.g. 60s.") var duration = "60s"
    @Option(help: "Batches per append call.") var group = 500
    @Option(name: [.customShort("o"), .customLong("output")], help: "Output format: text or json.") var format: BenchLoadCommand.Format = .text

    func run() async throws {
        guard machines > 0, metrics > 0, group > 0 else {
            throw ValidationError("--machines, --metrics and --group must be positive")
        }
        let bench = StoreBench(
            history: history, machines: machines, prefix: prefix, metrics: metrics,
            intervalMs: try BenchDuration.ms(interval, "--interval"), durationMs: try BenchDuration.ms(duration, "--duration"),
            group: group)
        var logger = Logger(label: "sms.bench")
        logger.logLevel = .warning
        let report = try await bench.run(logger: logger)
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        case .text:
            print(
                "\(report.machines) machines × \(report.metrics): stored \(report.samplesStored) of \(report.samplesSent) samples "
                    + "in \(String(format: "%.1f", report.seconds)) s = \(Int(report.storedSamplesPerSecond)) samples/s; "
                    + "append p50/p99 \(Int(report.appendMs.p50 ?? 0))/\(Int(report.appendMs.p99 ?? 0)) ms; "
                    + "final lag \(Int(report.finalLagMs)) ms; CPU \(String(format: "%.1f", report.cpuSeconds)) s")
        }
    }
}

/// `1s`, `500ms`, `2m`, `120` (seconds).
enum BenchDuration {
    static func ms(_ text: String, _ flag: String) throws -> Int64 {
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let v = Double(text.dropLast(suffix.count)), v > 0 { return Int64(v * scale) }
        }
        if let v = Double(text), v > 0 { return Int64(v * 1000) }
        throw ValidationError("\(flag): '\(text)' is not a duration (e.g. 500ms, 1s, 2m)")
    }
}
