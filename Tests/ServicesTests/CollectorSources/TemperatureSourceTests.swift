import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

@Suite("CollectorSources.temperature")
struct CollectorSourcesTemperatureTests {
    @Test(arguments: [("45000\n", 45.0), ("-5500", -5.5), ("0", 0.0)] as [(String, Double?)])
    func parsesMillidegrees(text: String, celsius: Double?) {
        #expect(TemperatureSource.parseMillidegrees(Array(text.utf8)[...]) == celsius)
    }

    @Test func readsThermalZonesAndHwmonInputs() throws {
        var source = TemperatureSource()
        let snapshot = try ProcFixture.collect(&source, "ticks/tick1")
        let sensors = snapshot.sampled("temperature.celsius", by: "sensor")
        #expect(
            sensors == [
                "acpitz/thermal_zone0": 27.8, "acpitz/thermal_zone1": 29.8, "x86_pkg_temp": -5.5,
                "coretemp/Package id 0": 45, "coretemp/temp2": 43,
            ])
    }

    @Test func noSensorsIsNoFailure() throws {
        var source = TemperatureSource()
        var snapshot = Snapshot(timestampMs: 0, samples: [])
        let context = SourceContext(
            procRoot: "/nonexistent", sysRoot: "/nonexistent", monotonicSeconds: 1, wallTimeMs: 0)
        try source.collect(into: &snapshot, context: context)
        #expect(snapshot.samples.isEmpty)
    }
}
