import SMSCore
import Spec

/// The content of /proc/loadavg: `2.16 1.05 0.42 3/95 9289`.
struct LoadAverage: Sendable, Equatable {
    var one: Double
    var five: Double
    var fifteen: Double
    /// Runnable scheduling entities (the kernel's nr_running).
    var running: UInt64
    /// All scheduling entities, that is every thread of every process, kernel threads included (nr_threads).
    var threads: UInt64

    /// Parses /proc/loadavg; nil when a field is missing or not a number.
    static func parse(_ bytes: ArraySlice<UInt8>) -> LoadAverage? {
        var scanner = ProcScanner(bytes)
        guard let one = scanner.token().flatMap(ProcScanner.double),
            let five = scanner.token().flatMap(ProcScanner.double),
            let fifteen = scanner.token().flatMap(ProcScanner.double),
            let tasks = scanner.token(),
            let slash = tasks.firstIndex(of: UInt8(ascii: "/")),
            let running = ProcScanner.uint64(tasks[..<slash]),
            let threads = ProcScanner.uint64(tasks[(slash + 1)...])
        else { return nil }
        return LoadAverage(one: one, five: five, fifteen: fifteen, running: running, threads: threads)
    }

    /// Reads and parses `<proc>/loadavg` with `file`.
    static func read(_ file: inout ProcFile, context: SourceContext) throws -> LoadAverage {
        let path = context.proc("loadavg")
        guard let load = parse(try file.read(path)) else {
            throw MetricSourceError.malformed(path, "expected 3 load averages and running/total tasks")
        }
        return load
    }
}

/// load group: the 1, 5 and 15 minute load averages from /proc/loadavg.
struct LoadSource: MetricSource {
    private static let oneKey = SeriesKey("load.1m")
    private static let fiveKey = SeriesKey("load.5m")
    private static let fifteenKey = SeriesKey("load.15m")

    let name = "load"
    let group = MetricGroup.load
    private var file = ProcFile(capacity: 256)

    mutating func collect(into snapshot: inout Snapshot, context: SourceContext) throws {
        let load = try LoadAverage.read(&file, context: context)
        snapshot.samples.append(Sample(Self.oneKey, load.one))
        snapshot.samples.append(Sample(Self.fiveKey, load.five))
        snapshot.samples.append(Sample(Self.fifteenKey, load.fifteen))
    }
}
