import SMSCore
import Spec

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One line of a /proc/pressure file: `some avg10=0.12 avg60=0.40 avg300=1.07 total=17235631`.
struct PressureLine: Sendable, Equatable {
    /// The kernel's running averages over 10 s, in percent.
    var avg10: Double
    /// Stalled time since boot, in microseconds.
    var totalMicroseconds: UInt64
}

/// The two lines of /proc/pressure/cpu, memory or io; `full` is absent on kernels that report only `some` for cpu.
struct PressureReading: Sendable, Equatable {
    var some: PressureLine
    var full: PressureLine?

    /// Parses a pressure file; nil when the `some` line is missing or malformed.
    static func parse(_ bytes: ArraySlice<UInt8>) -> PressureReading? {
        var scanner = ProcScanner(bytes)
        var some: PressureLine?
        var full: PressureLine?
        while let line = scanner.line() {
            var fields = ProcScanner(line)
            guard let kind = fields.token() else { continue }
            var avg10: Double?
            var total: UInt64?
            while let field = fields.token() {
                guard let equals = field.firstIndex(of: UInt8(ascii: "=")) else { continue }
                let name = field[..<equals], value = field[(equals + 1)...]
                if name.elementsEqual("avg10".utf8) { avg10 = ProcScanner.double(value) }
                if name.elementsEqual("total".utf8) { total = ProcScanner.uint64(value) }
            }
            guard let avg10, let total else { continue }
            if kind.elementsEqual("some".utf8) { some = PressureLine(avg10: avg10, totalMicroseconds: total) }
            if kind.elementsEqual("full".utf8) { full = PressureLine(avg10: avg10, totalMicroseconds: total) }
        }
        return some.map { PressureReading(some: $0, full: full) }
    }
}

/// pressure group: Linux pressure-stall information (PSI) from /proc/pressure/{cpu,memory,io}.
///
/// Per resource and kind (`some`: at least one task stalled; `full`: all non-idle tasks stalled at once), the share
/// of the last interval spent stalled, from the `total` counter (`pressure.cpu_some_percent`; none on the first
/// tick), and the kernel's own 10-second average (`pressure.cpu_some_avg10_percent`). A kernel without PSI (no
/// /proc/pressure, or `psi=0`, which answers EOPNOTSUPP) reports nothing and is no failure.
struct PressureSource: MetricSource {
    static let resources = ["cpu", "memory", "io"]

    /// The series of one resource and kind: the interval's share and the kernel's avg10.
    private struct Keys {
        let percent: SeriesKey
        let avg10: SeriesKey

        init(_ resource: String, _ kind: String) {
            percent = SeriesKey("pressure.\(resource)_\(kind)_percent")
            avg10 = SeriesKey("pressure.\(resource)_\(kind)_avg10_percent")
        }
    }

    private static let keys = resources.map { (some: Keys($0, "some"), full: Keys($0, "full")) }

    let name = "pressure"
    let group = MetricGroup.pressure
    private var file = ProcFile(capacity: 256)
    /// The last reading of each resource and when it was taken (monotonic seconds).
    private var previous: [PressureReading?] = [nil, nil, nil]
    private var previousSeconds: [Double] = [0, 0, 0]

    mutating func collect(into snapshot: inout Snapshot, context: SourceContext) throws {
        for (index, resource) in Self.resources.enumerated() {
            let path = context.proc("pressure/" + resource)
            let bytes: ArraySlice<UInt8>
            do {
                bytes = try file.read(path)
            } catch {
                // No PSI here: nothing to report, and nothing wrong.
                if Self.meansNoPressure(error) { continue }
                throw error
            }
            guard let reading = PressureReading.parse(bytes) else {
                throw MetricSourceError.malformed(path, "expected a line \"some avg10=… total=…\"")
            }
            let keys = Self.keys[index]
            let elapsed = context.monotonicSeconds - previousSeconds[index]
            let before = previous[index]
            append(reading.some, before?.some, elapsed: elapsed, keys.some, into: &snapshot)
            if let full = reading.full {
                append(full, before?.full, elapsed: elapsed, keys.full, into: &snapshot)
            }
            previous[index] = reading
            previousSeconds[index] = context.monotonicSeconds
        }
    }

    private func append(
        _ now: PressureLine, _ before: PressureLine?, elapsed: Double, _ keys: Keys, into snapshot: inout Snapshot
    ) {
        snapshot.samples.append(Sample(keys.avg10, now.avg10))
        // A counter that went back (a fixture swap, never a real kernel) gives no rate, as elsewhere.
        guard let before, elapsed > 0, now.totalMicroseconds >= before.totalMicroseconds else { return }
        let stalled = Double(now.totalMicroseconds - before.totalMicroseconds) / 1_000_000
        snapshot.samples.append(Sample(keys.percent, min(100, Derived.rounded(stalled / elapsed * 100))))
    }

    /// The file is missing (no PSI in the kernel) or PSI is switched off (`psi=0`: EOPNOTSUPP on read).
    static func meansNoPressure(_ error: MetricSourceError) -> Bool {
        guard error.code == .unreadable else { return false }
        return error.detail == String(cString: strerror(ENOENT)) || error.detail == String(cString: strerror(EOPNOTSUPP))
    }
}
