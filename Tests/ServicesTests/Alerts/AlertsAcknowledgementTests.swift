import Foundation
import Spec
import Testing

@testable import SMSCore
@testable import Services

/// An acknowledgement holds back the repeats of one firing period; an escalation and the resolution still go
/// out, and the next firing period is not acknowledged.
@Suite struct AlertsAcknowledgementTests {
    static func harness(repeatEvery: SpecDuration = .minutes(1)) async throws -> (AlertsHarness, SilenceStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-ack-\(UUID().uuidString)")
        let file = dir.appendingPathComponent("silences.json")
        let spec = AlertsFixture.spec([AlertsFixture.cpuRule(for: .zero, repeatInterval: repeatEvery)])
        let harness = try await AlertsHarness(spec: spec, silences: file)
        return (harness, SilenceStore(url: file), dir)
    }

    /// Acknowledges what the engine shows as firing, as the gateway and `smsctl ack add` do.
    static func acknowledge(_ h: AlertsHarness, _ store: SilenceStore, comment: String = "on it") async throws {
        let active = await h.engine.active()
        let ack = try Acknowledgement.of(
            active, machine: "mcrn", rule: "cpu_high", series: nil, atMs: h.clock.nowMs(), by: "alice",
            comment: comment
        ).get()
        try store.modify(nowMs: h.clock.nowMs()) { $0.acknowledgements = $0.acks + [ack] }
        await h.engine.reloadSilences(force: true)
    }

    @Test func repeatsStopWhileAcknowledgedAndEscalationAndResolutionStillGoOut() async throws {
        let (h, store, dir) = try await Self.harness()
        defer { try? FileManager.default.removeItem(at: dir) }
        await h.feedCPU(90, for: 10)
        #expect(h.sink.kinds() == [.firing])
        try await Self.acknowledge(h, store)
        let shown = await h.engine.active().first?.acknowledged
        #expect(shown?.by == "alice" && shown?.comment == "on it")
        // Five minutes at warning: without the acknowledgement, a repeat every minute.
        await h.feedCPU(90, for: 300)
        #expect(h.sink.kinds() == [.firing])
        await h.feedCPU(97, for: 10)
        #expect(h.sink.kinds() == [.firing, .escalated], "an escalation is new: it still goes out")
        await h.feedCPU(10, for: 10)
        #expect(h.sink.kinds() == [.firing, .escalated, .resolved])
        // The next period is a new incident: nobody acknowledged it.
        await h.feedCPU(90, for: 10)
        #expect(h.sink.kinds() == [.firing, .escalated, .resolved, .firing])
        #expect(await h.engine.active().first?.acknowledged == nil)
    }

    @Test func removingTheAcknowledgementBringsRepeatsBack() async throws {
        let (h, store, dir) = try await Self.harness()
        defer { try? FileManager.default.removeItem(at: dir) }
        await h.feedCPU(90, for: 10)
        try await Self.acknowledge(h, store)
        await h.feedCPU(90, for: 120)
        #expect(h.sink.kinds() == [.firing])
        try store.modify(nowMs: h.clock.nowMs()) { $0.acknowledgements = [] }
        await h.engine.reloadSilences(force: true)
        // The last notification is older than the repeat interval: the very next evaluation repeats it.
        await h.feedCPU(90, for: 5)
        #expect(h.sink.kinds() == [.firing, .repeated])
        await h.feedCPU(90, for: 60)
        #expect(h.sink.kinds() == [.firing, .repeated, .repeated])
    }

    @Test func onlyAFiringAlertCanBeAcknowledgedAndSeveralSeriesNeedOneNamed() throws {
        let pending = AlertStatusDTO(rule: "cpu_high", machine: "mcrn", severity: .warning, state: .pending, sinceMs: 5)
        let refused = Acknowledgement.of(
            [pending], machine: "mcrn", rule: "cpu_high", series: nil, atMs: 9, by: nil, comment: "")
        #expect(refused == .failure(.notFiring("cpu_high on mcrn is not firing; only a firing alert can be acknowledged")))
        let disks = ["/", "/home"].map {
            AlertStatusDTO(
                rule: "disk_full", machine: "mcrn", series: "disk.used_percent{mount=\"\($0)\"}", severity: .warning,
                state: .firing, sinceMs: 5)
        }
        guard case .failure(.ambiguous(let text)) = Acknowledgement.of(
            disks, machine: "mcrn", rule: "disk_full", series: nil, atMs: 9, by: nil, comment: "")
        else { Issue.record("two firing series: expected a request to name one"); return }
        #expect(text.contains("mount=\"/home\""))
        let one = try Acknowledgement.of(
            disks, machine: "mcrn", rule: "disk_full", series: "disk.used_percent{mount=\"/home\"}", atMs: 9,
            by: nil, comment: ""
        ).get()
        #expect(one.firingSinceMs == 5 && one.series == "disk.used_percent{mount=\"/home\"}")
        // Only acknowledgements of periods still firing are kept when a new one is added.
        #expect(Acknowledgement.current([one], active: disks) == [one])
        var later = disks
        later[1].sinceMs = 50
        #expect(Acknowledgement.current([one], active: later).isEmpty)
    }

    @Test func silencesFileWithoutAcknowledgementsStillReadsAndSilenceEditsKeepThem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sms-ack-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = SilenceStore(url: dir.appendingPathComponent("silences.json"))
        // A file written before acknowledgements existed.
        try Data(#"{"version": 1, "silences": []}"#.utf8).write(to: store.url)
        #expect(try store.read().acks.isEmpty)
        let ack = Acknowledgement(
            key: AlertKey(rule: "cpu_high", machine: "mcrn"), firingSinceMs: 1, atMs: 2, by: "bob", comment: "")
        try store.modify(nowMs: 3) { $0.acknowledgements = [ack] }
        try store.update(nowMs: 3) {
            $0.append(Silence(machine: "mcrn", rule: nil, startsMs: 0, endsMs: 10_000, reason: "x"))
        }
        #expect(try store.read().acks == [ack])
        #expect(try store.load().count == 1)
    }
}
