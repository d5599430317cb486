import Logging
import Spec
import Synchronization
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// A source that appends a sample and then fails while `fails` says so.
private struct FlakySource: MetricSource {
    let name = "disk"
    let group = MetricGroup.disk
    let fails: @Sendable () -> Bool

    mutating func collect(into snapshot: inout Snapshot, context: SourceContext) throws {
        snapshot.samples.append(Sample("disk.used_percent", ["mount": "/"], 50))
        if fails() { throw MetricSourceError(.unreadable, path: "/proc/self/mounts", detail: "test") }
    }
}

/// Collects the messages logged through it.
private struct RecordingLogHandler: LogHandler {
    let recorder: Recorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        recorder.messages.withLock { $0.append("\(event.level) \(event.message) \(event.metadata?["source"] ?? "")") }
    }
}

/// What the sampler test observes and controls.
private final class Recorder: Sendable {
    let messages = Mutex<[String]>([])
    let failing = Mutex(false)
}

@Suite("CollectorSources.sampler")
struct CollectorSourcesSamplerTests {
    @Test func aFailingSourceIsReportedAndLoggedOnceWithoutStoppingTheOthers() throws {
        let recorder = Recorder()
        let logger = Logger(label: "test") { _ in RecordingLogHandler(recorder: recorder) }
        var sampler = Sampler(
            sources: [LoadSource(), FlakySource { recorder.failing.withLock { $0 } }, MemorySource()],
            procRoot: ProcFixture.path("ticks/tick1"), logger: logger)
        let success = { (snapshot: Snapshot) in snapshot.sampled("collector.source_success", by: "source") }

        let healthy = sampler.sample(nowMs: 1000)
        #expect(healthy.timestampMs == 1000)
        #expect(success(healthy) == ["load": 1, "disk": 1, "memory": 1])
        recorder.failing.withLock { $0 = true }
        let broken = sampler.sample(nowMs: 2000)
        _ = sampler.sample(nowMs: 3000)
        #expect(success(broken) == ["load": 1, "disk": 0, "memory": 1])
        #expect(broken.sampled("disk.used_percent", ["mount": "/"]) == nil)
        #expect(broken.sampled("load.1m") == 0.5)
        #expect(broken.sampled("memory.total_bytes") == 8_000_000 * 1024.0)
        recorder.failing.withLock { $0 = false }
        let recovered = sampler.sample(nowMs: 4000)
        #expect(success(recovered)["disk"] == 1)
        #expect(
            recorder.messages.withLock { $0 } == [
                "warning metric source failed disk", "info metric source recovered disk",
            ])
    }
}
