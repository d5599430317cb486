import SMSCore
import Spec

/// A temperature file found under sysfs and the `sensor` label it is reported as.
struct TemperatureSensor: Sendable, Equatable {
    var label: String
    var path: String
}

/// temperature group: every thermal zone and hwmon temperature input, in degrees Celsius.
///
/// Sensors are discovered (directory listings, names, labels) on the first tick and again every
/// `rediscoverTicks`, then only their value files are read. Many machines, VMs especially, have none: that
/// reports nothing and is no failure. A sensor whose read fails (some hwmon drivers answer EIO) is skipped.
struct TemperatureSource: MetricSource {
    static let rediscoverTicks = 60

    let name = "temperature"
    let group = MetricGroup.temperature
    private var file = ProcFile(capacity: 64)
    private var sensors: [TemperatureSensor] = []
    private var keys: [SeriesKey] = []
    private var ticksUntilDiscovery = 0

    mutating func collect(into snapshot: inout Snapshot, context: SourceContext) throws {
        if ticksUntilDiscovery == 0 {
            sensors = Self.discover(sysRoot: context.sysRoot, file: &file)
            keys = sensors.map { SeriesKey("temperature.celsius", ["sensor": $0.label]) }
            ticksUntilDiscovery = Self.rediscoverTicks
        }
        ticksUntilDiscovery -= 1
        for (sensor, key) in zip(sensors, keys) {
            guard let text = try? file.read(sensor.path), let celsius = Self.parseMillidegrees(text) else { continue }
            snapshot.samples.append(Sample(key, celsius))
        }
    }

    /// A sysfs temperature (`45000\n`, millidegrees Celsius) in degrees.
    static func parseMillidegrees(_ bytes: ArraySlice<UInt8>) -> Double? {
        var scanner = ProcScanner(bytes)
        return scanner.token().flatMap(ProcScanner.int64).map { Double($0) / 1000 }
    }

    /// The sensors under `sysRoot`: `thermal_zoneN/temp` labelled by the zone's type (with `/thermal_zoneN` added
    /// when two zones share a type), and hwmon `tempN_input` labelled `<chip name>/<tempN_label or tempN>`.
    static func discover(sysRoot: String, file: inout ProcFile) -> [TemperatureSensor] {
        var zones: [TemperatureSensor] = []
        let thermal = sysRoot + "/class/thermal"
        let zoneNames = (ProcDirectory.entries(of: thermal) ?? []).filter { $0.hasPrefix("thermal_zone") }
        for zone in zoneNames {
            let type = firstLine(thermal + "/" + zone + "/type", &file) ?? zone
            zones.append(TemperatureSensor(label: type, path: thermal + "/" + zone + "/temp"))
        }
        let types = zones.map(\.label)
        for i in zones.indices where types.filter({ $0 == types[i] }).count > 1 {
            zones[i].label += "/" + zoneNames[i]
        }
        var chips: [TemperatureSensor] = []
        let hwmon = sysRoot + "/class/hwmon"
        for chip in ProcDirectory.entries(of: hwmon) ?? [] {
            let directory = hwmon + "/" + chip
            let chipName = firstLine(directory + "/name", &file) ?? chip
            for input in ProcDirectory.entries(of: directory) ?? [] where isTemperatureInput(input) {
                let stem = String(input.dropLast("_input".count))
                let label = firstLine(directory + "/" + stem + "_label", &file) ?? stem
                chips.append(TemperatureSensor(label: chipName + "/" + label, path: directory + "/" + input))
            }
        }
        return zones + chips
    }

    /// True for `tempN_input` file names.
    private static func isTemperatureInput(_ name: String) -> Bool {
        name.hasPrefix("temp") && name.hasSuffix("_input")
            && name.dropFirst(4).dropLast(6).allSatisfy(\.isNumber) && name.count > 10
    }

    /// The first line of a small sysfs file, trimmed; nil when unreadable or empty.
    private static func firstLine(_ path: String, _ file: inout ProcFile) -> String? {
        guard let bytes = try? file.read(path) else { return nil }
        var scanner = ProcScanner(bytes)
        guard var line = scanner.line() else { return nil }
        while let first = line.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            line = line.dropFirst()
        }
        while let last = line.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            line = line.dropLast()
        }
        return line.isEmpty ? nil : line.utf8String
    }
}
