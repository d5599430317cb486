import SMSCore
import Spec

/// diskio group: read and write throughput, operations and busy time of each whole block device, from
/// /proc/diskstats counter deltas. No rates on the first tick, for a new device, or after a counter reset.
struct DiskIOSource: MetricSource {
    /// Counter columns kept per device, in `CounterTable` order.
    enum Column: Int, CaseIterable {
        case reads, sectorsRead, writes, sectorsWritten, ioMilliseconds
    }

    private static let metrics = [
        "diskio.read_bytes_per_second", "diskio.write_bytes_per_second", "diskio.reads_per_second",
        "diskio.writes_per_second", "diskio.busy_percent",
    ]
    /// /proc/diskstats counts in 512-byte sectors whatever the device's own sector size.
    static let sectorBytes = 512.0

    let name = "diskio"
    let group = MetricGroup.diskio
    private var file = ProcFile(capacity: 4096)
    private var current = CounterTable(width: Column.allCases.count)
    private var previous = CounterTable(width: Column.allCases.count)
    private var rates: [Double] = []
    private var keys: [String: [SeriesKey]] = [:]

    mutating func collect(into snapshot: inout Snapshot, context: SourceContext) throws {
        let path = context.proc("diskstats")
        try Self.parse(try file.read(path), into: &current, path: path)
        current.time = context.monotonicSeconds
        for row in 0..<current.count where previous.rates(to: current, row: row, into: &rates) {
            let device = current.names[row]
            let deviceKeys = keys[device] ?? Self.metrics.map { SeriesKey($0, ["device": device]) }
            keys[device] = deviceKeys
            snapshot.samples.append(Sample(deviceKeys[0], rates[Column.sectorsRead.rawValue] * Self.sectorBytes))
            snapshot.samples.append(Sample(deviceKeys[1], rates[Column.sectorsWritten.rawValue] * Self.sectorBytes))
            snapshot.samples.append(Sample(deviceKeys[2], rates[Column.reads.rawValue]))
            snapshot.samples.append(Sample(deviceKeys[3], rates[Column.writes.rawValue]))
            // io_ticks counts milliseconds the device was busy: ms per second / 10 is percent.
            snapshot.samples.append(Sample(deviceKeys[4], min(100, rates[Column.ioMilliseconds.rawValue] / 10)))
        }
        swap(&previous, &current)
    }

    /// Parses /proc/diskstats into `table`, one row per whole device (see `isIgnored`); throws when a device line
    /// has fewer than the 14 fields every kernel since 2.6 prints.
    static func parse(_ bytes: ArraySlice<UInt8>, into table: inout CounterTable, path: String) throws {
        table.removeAll()
        var scanner = ProcScanner(bytes)
        while !scanner.isAtEnd {
            defer { scanner.nextLine() }
            guard scanner.skipTokens(2), let device = scanner.token() else { continue }
            if isIgnored(device) { continue }
            // reads, merged, sectors, ms reading; writes, merged, sectors, ms writing; in flight; io ms
            guard let reads = scanner.uint64(), scanner.skipTokens(1), let sectorsRead = scanner.uint64(),
                scanner.skipTokens(1), let writes = scanner.uint64(), scanner.skipTokens(1),
                let sectorsWritten = scanner.uint64(), scanner.skipTokens(2), let ioMilliseconds = scanner.uint64()
            else { throw MetricSourceError.malformed(path, "device \(device.utf8String) has too few fields") }
            table.appendRow(device.utf8String)
            table.appendCounter(reads)
            table.appendCounter(sectorsRead)
            table.appendCounter(writes)
            table.appendCounter(sectorsWritten)
            table.appendCounter(ioMilliseconds)
        }
    }

    /// True for devices node_exporter ignores by default, `^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$`, and
    /// for mmcblk partitions (`mmcblk0p1`): RAM disks, loop devices, floppies and partitions, whose whole disk
    /// is already counted.
    static func isIgnored(_ name: ArraySlice<UInt8>) -> Bool {
        var end = name.endIndex
        while end > name.startIndex, isDigit(name[end - 1]) { end -= 1 }
        guard end < name.endIndex else { return false }
        let stem = name[..<end]
        if stem.equals("ram") || stem.equals("loop") || stem.equals("fd") { return true }
        if stem.last == UInt8(ascii: "p"), stem.hasPrefix("nvme") || stem.hasPrefix("mmcblk") { return true }
        for prefix in diskPrefixes where stem.hasPrefix(prefix) {
            let letters = stem.dropFirst(prefix.utf8CodeUnitCount)
            return !letters.isEmpty && letters.allSatisfy { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
        }
        return false
    }

    /// Names of disks whose partitions add a number to letters: `sda` → `sda1`.
    private static let diskPrefixes: [StaticString] = ["xvd", "hd", "sd", "vd"]

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
