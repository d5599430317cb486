import SMSCore
import Foundation
import Synchronization

/// The edge's copy of what the gateway pushed: the fleet (already redacted), alerts, recent figures, and the
/// last few minutes of each series, relayed to every read-only browser.
final class EdgeRelay: Sendable {
    /// A `snapshot` as the gateway pushes it.
    struct SnapshotIn: Decodable {
        var spec: String
        var machines: [MachineSummary]
        var alerts: [AlertStatusDTO]
        var recent: [String: RecentFigures]?
    }

    /// An `update` as the gateway pushes it.
    struct UpdateIn: Decodable {
        var machines: [MachineSummary]
        var details: [MachineDetail]
        var alerts: [AlertStatusDTO]?
    }

    private struct State {
        var spec = ""
        var machines: [String: MachineSummary] = [:]
        var alerts: [AlertStatusDTO] = []
        var recent: [String: RecentFigures] = [:]
        var details: [String: MachineDetail] = [:]
        var lastPushMs: Int64?
        var received = false
    }

    let clients: ClientRegistry
    let history: EdgeHistory
    private let state = Mutex(State())

    init(clients: ClientRegistry, historyKeepMs: Int64 = 15 * 60_000) {
        self.clients = clients
        self.history = EdgeHistory(keepMs: historyKeepMs)
    }

    /// Applies one message from the gateway and relays it; throws on a message that is not ours.
    func apply(_ bytes: [UInt8]) throws {
        let data = Data(bytes)
        let kind = try JSONDecoder().decode([String: String].self, from: data, keys: ["type"])
        switch kind["type"] {
        case "snapshot":
            let snapshot = try JSONDecoder().decode(SnapshotIn.self, from: data)
            state.withLock { s in
                s = State(
                    spec: snapshot.spec, machines: Dictionary(snapshot.machines.map { ($0.id, $0) }) { a, _ in a },
                    alerts: snapshot.alerts, recent: snapshot.recent ?? [:], lastPushMs: FleetView.nowMs(),
                    received: true)
            }
            let out = try self.snapshot()
            for client in clients.all() { client.offerSnapshot(out) }
        case "update":
            let update = try JSONDecoder().decode(UpdateIn.self, from: data)
            relay(update)
        default:
            throw EdgeError.unexpectedMessage
        }
    }

    private func relay(_ update: UpdateIn) {
        state.withLock { s in
            s.lastPushMs = FleetView.nowMs()
            for m in update.machines {
                s.machines[m.id] = m
                if let t = m.lastSampleMs {
                    s.recent[m.id, default: RecentFigures()].append(t, m.values, keepMs: RecentFiguresBook.keepMs)
                }
            }
            for d in update.details { s.details[d.machine.id] = d }
            if let alerts = update.alerts { s.alerts = alerts }
        }
        for d in update.details { history.record(d) }
        let summaries = Dictionary(update.machines.compactMap { m in (try? LiveMessage.encode(m)).map { (m.id, $0) } })
        {
            a, _ in a
        }
        let details = Dictionary(
            update.details.compactMap { d in (try? LiveMessage.encode(d)).map { (d.machine.id, $0) } }
        ) {
            a, _ in a
        }
        let alerts = update.alerts.flatMap { try? LiveMessage.encode($0) }
        for client in clients.all() { client.offer(summaries: summaries, details: details, alerts: alerts) }
    }

    /// The fleet, worst first, for `/api/machines` and new browsers.
    func machines() -> [MachineSummary] { FleetView.sorted(state.withLock { Array($0.machines.values) }) }

    func alerts() -> [AlertStatusDTO] { state.withLock { $0.alerts } }

    func machineDetail(_ id: String) -> MachineDetail? { state.withLock { $0.details[id] } }

    /// When the gateway last pushed anything (nil: never since the edge started).
    var lastPushMs: Int64? { state.withLock { $0.lastPushMs } }

    var specName: String { state.withLock { $0.spec } }
}

extension EdgeRelay: LiveSource {
    func snapshot() throws -> [UInt8] {
        let s = state.withLock { $0 }
        return try LiveMessage.encode(
            LiveMessage.Snapshot(
                serverTimeMs: FleetView.nowMs(), spec: s.spec, specHash: "", readOnly: true, flushIntervalMs: 1000,
                machines: FleetView.sorted(Array(s.machines.values)), alerts: s.alerts, recent: s.recent))
    }

    func detail(_ id: String, includeSeries: Bool) async -> [UInt8]? {
        guard var detail = machineDetail(id) else { return nil }
        if includeSeries { detail.series = history.series(machine: id) }
        return try? LiveMessage.encode(detail)
    }
}

/// An edge problem a person can act on.
enum EdgeError: Error, CustomStringConvertible {
    case unexpectedMessage
    var description: String { "the gateway sent a message the edge does not understand" }
}

extension JSONDecoder {
    /// Decodes only the named string fields of a JSON object (to read `type` before the whole message).
    func decode(_: [String: String].Type, from data: Data, keys: Set<String>) throws -> [String: String] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw EdgeError.unexpectedMessage
        }
        return object.reduce(into: [:]) { out, pair in
            if keys.contains(pair.key), let text = pair.value as? String { out[pair.key] = text }
        }
    }
}

extension EdgeRelay {
    /// The current values the gateway pushed, for the edge's `/api/v1/metrics`: already redacted by the gateway
    /// (only the edge's machines and metrics), live machines only, nothing once the gateway has been silent 30 s.
    func promSamples(nowMs: Int64 = FleetView.nowMs()) -> [PromSample] {
        guard let last = lastPushMs, nowMs - last < 30_000 else { return [] }
        let (machines, details) = state.withLock { ($0.machines, $0.details) }
        var out: [PromSample] = []
        for (id, detail) in details {
            guard let m = machines[id], m.connected, let seen = m.lastSeenMs,
                nowMs - seen <= max(15_000, 3 * m.intervalMs)
            else { continue }
            for s in detail.samples {
                if let sample = PromSample.make(
                    machine: id, series: SeriesKey(s.metric, s.labels), value: s.value,
                    timestampMs: detail.machine.lastSampleMs)
                {
                    out.append(sample)
                }
            }
        }
        return out
    }
}
