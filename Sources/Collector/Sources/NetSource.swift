import SMSCore
import Spec

/// net group: per-second traffic, packets, errors and drops of each network interface but `lo`, from
/// /proc/net/dev counter deltas. No rates on the first tick, for a new interface, or after a counter reset.
struct NetSource: MetricSource {
    /// The /proc/net/dev columns kept, in `CounterTable` order and in the order of `metrics`.
    static let columns = [0, 8, 1, 9, 2, 10, 3, 11]
    private static let metrics = [
        "net.rx_bytes_per_second", "net.tx_bytes_per_second", "net.rx_packets_per_second",
        "net.tx_packets_per_second", "net.rx_errors_per_second", "net.tx_errors_per_second",
        "net.rx_drops_per_second", "net.tx_drops_per_second",
    ]

    let name = "net"
    let group = MetricGroup.net
    private var file = ProcFile(capacity: 4096)
    private var current = CounterTable(width: columns.count)
    private var previous = CounterTable(width: columns.count)
    private var rates: [Double] = []
    private var keys: [String: [SeriesKey]] = [:]
    private var fields: [UInt64] = []

    mutating func collect(into snapshot: inout Snapshot, context: SourceContext) throws {
        let path = context.proc("net/dev")
        try Self.parse(try file.read(path), into: &current, fields: &fields, path: path)
        current.time = context.monotonicSeconds
        for row in 0..<current.count where previous.rates(to: current, row: row, into: &rates) {
            let interface = current.names[row]
            let interfaceKeys = keys[interface] ?? Self.metrics.map { SeriesKey($0, ["interface": interface]) }
            keys[interface] = interfaceKeys
            for (key, rate) in zip(interfaceKeys, rates) {
                snapshot.samples.append(Sample(key, rate))
            }
        }
        swap(&previous, &current)
    }

    /// Parses /proc/net/dev (two header lines, then `name: 16 counters`) into `table`, skipping `lo`; `fields` is
    /// scratch space. Throws when an interface line has fewer than 16 counters.
    static func parse(
        _ bytes: ArraySlice<UInt8>,
        into table: inout CounterTable,
        fields: inout [UInt64],
        path: String
    ) throws {
        table.removeAll()
        var scanner = ProcScanner(bytes)
        while let line = scanner.line() {
            // The name is padded on the left and a long first counter follows the colon without a space.
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            var name = ProcScanner(line[..<colon])
            guard let interface = name.token(), !interface.equals("lo") else { continue }
            var counters = ProcScanner(line[(colon + 1)...])
            fields.removeAll(keepingCapacity: true)
            while let value = counters.uint64() {
                fields.append(value)
            }
            guard fields.count >= 16 else {
                throw MetricSourceError.malformed(path, "interface \(interface.utf8String) has too few counters")
            }
            table.appendRow(interface.utf8String)
            for column in columns {
                table.appendCounter(fields[column])
            }
        }
    }
}
