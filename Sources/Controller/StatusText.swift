import Services
import SMSCore
import Foundation

/// Aligned columns like `kubectl get`: a header row in capitals, two spaces between columns.
public struct TextTable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(_ header: [String]) { self.header = header }

    public mutating func add(_ row: [String]) { rows.append(row) }

    public var text: String {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0.indices.contains(i) ? $0[i].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

/// `smsctl status` for people.
public enum StatusText {
    /// Services, machines, alerts, edges, then what is not healthy.
    public static func render(_ r: StatusReport) -> String {
        var out = "Spec \(r.spec) (\(r.specHash)) from \(r.specFile)\nDashboard: \(r.dashboard)\n\nSERVICES\n"
        var services = TextTable(["ROLE", "PID", "UPTIME", "HEALTH", "SPEC", "DRIFT"])
        for s in r.services {
            services.add([
                s.role, s.pid.map { String($0) } ?? "-", s.uptimeSeconds.map(duration) ?? "-", s.health,
                s.specHash ?? "-", s.drift.map { $0 ? "yes" : "no" } ?? "-",
            ])
        }
        out += services.text + "\nMACHINES\n"
        var machines = TextTable([
            "MACHINE", "HOST", "STATUS", "CONNECTED", "LAST SEEN", "LAG", "CLOCK", "BACKLOG", "AGENT",
            "DRIFT", "SAMPLES/S", "DATA 1H/24H/7D",
        ])
        let now = r.serverTimeMs ?? Int64(Date().timeIntervalSince1970 * 1000)
        for m in r.machines {
            machines.add([
                m.id, (m.host ?? "-") + " (\(m.managed))", m.status, m.connected ? "yes" : "no",
                m.lastSeenMs.map { duration(Double(max(0, now - $0)) / 1000) + " ago" }
                    ?? (m.status == "unknown" ? "unknown" : "never"),
                m.lagMs.map { "\($0)ms" } ?? "-", m.clockOffsetMs.map(clock) ?? "-", m.backlog.map { String($0) } ?? "-",
                m.agentVersion ?? "-",
                m.specDrift.map { $0 ? "yes" : "no" } ?? "-", String(format: "%.1f", m.samplesPerSecond),
                completeness(m.completeness),
            ])
        }
        out += machines.text
        out += "\nALERTS FIRING\n"
        if let alerts = r.alerts, !alerts.isEmpty {
            var table = TextTable(["RULE", "MACHINE", "SEVERITY", "STATE", "SINCE", "VALUE", "ACKNOWLEDGED"])
            for a in alerts {
                table.add([
                    a.rule, a.machine, a.severity, a.state, duration(Double(max(0, now - a.sinceMs)) / 1000),
                    a.value.map { String(format: "%.1f", $0) } ?? "-", a.acknowledgedBy.map { "by \($0)" } ?? "-",
                ])
            }
            out += table.text
        } else {
            out += r.alerts == nil ? "(unknown: the hub does not answer)\n" : "(none)\n"
        }
        if !r.silences.isEmpty {
            var table = TextTable(["MACHINE", "RULE", "ENDS", "REASON"])
            for s in r.silences {
                table.add([
                    s.machine ?? "(all)", s.rule ?? "(all)", "in " + duration(Double(max(0, s.endsMs - now)) / 1000),
                    s.reason,
                ])
            }
            out += "\nSILENCES\n" + table.text
        }
        if let channels = r.channels, !channels.isEmpty {
            var table = TextTable(["CHANNEL", "QUEUED", "LAST DELIVERED", "LAST ERROR"])
            for c in channels {
                table.add([
                    c.name, String(c.queued),
                    c.lastDeliveredMs.map { duration(Double(max(0, now - $0)) / 1000) + " ago" } ?? "never",
                    c.lastError.map { error in c.lastErrorMs.map { "\(error) (\(duration(Double(max(0, now - $0)) / 1000)) ago)" } ?? error } ?? "-",
                ])
            }
            out += "\nNOTIFICATIONS\n" + table.text
        }
        if !r.edges.isEmpty {
            var edges = TextTable(["EDGE", "URL", "MACHINES"])
            for e in r.edges { edges.add([e.name, e.url, e.machines.joined(separator: ",")]) }
            out += "\nEDGES\n" + edges.text
        }
        if !r.services.contains(where: { $0.pid != nil }) {
            out += "\nNothing runs: smsctl apply \(r.specFile) starts it.\n"
        }
        out +=
            r.problems.isEmpty
            ? "\nAll declared services and machines are healthy.\n"
            : "\nNot healthy:\n" + r.problems.map { "  - \($0)\n" }.joined()
        let critical = r.criticalAlerts
        if !critical.isEmpty {
            let named = critical.prefix(3).map { "\($0.rule) on \($0.machine)" }.joined(separator: ", ")
            out += "\(critical.count) alert\(critical.count == 1 ? " is" : "s are") critical: \(named)"
                + (critical.count > 3 ? ", …" : "") + ".\n"
        }
        return out
    }

    /// What to say about a channel whose notifications wait after a failed attempt, nil when it delivers.
    public static func deliveryProblem(_ channel: NotificationChannelStatus) -> String? {
        guard channel.queued > 0, let error = channel.lastError else { return nil }
        return "alert channel \(channel.name): \(channel.queued) notification\(channel.queued == 1 ? "" : "s") not delivered; last error: \(error)"
    }

    /// A machine's clock offset as a column: `ok` within a second, else `+9m12s` (ahead) or `-3s` (behind).
    /// `100%/99.7%/-`: the share of time with data per window; `-` for a window before the machine's data began.
    static func completeness(_ ratios: [String: Double]?) -> String {
        guard let ratios, !ratios.isEmpty else { return "-" }
        return ["1h", "24h", "7d"].map { window in
            guard let r = ratios[window] else { return "-" }
            // Floored, so a machine missing one sample in a week does not read 100%.
            let tenths = (r * 1000).rounded(.down) / 10
            return tenths == 100 ? "100%" : String(format: "%.1f%%", tenths)
        }.joined(separator: "/")
    }

    static func clock(_ offsetMs: Int64) -> String {
        abs(offsetMs) < 1000 ? "ok" : (offsetMs > 0 ? "+" : "-") + duration(Double(abs(offsetMs)) / 1000)
    }

    /// What to say about a clock this far off (10 s or more), nil when it is fine.
    public static func clockProblem(_ offsetMs: Int64?) -> String? {
        guard let offsetMs, abs(offsetMs) >= 10_000 else { return nil }
        let amount = duration(Double(abs(offsetMs)) / 1000)
        let consequence = offsetMs > 60_000
            ? "its batches are refused (more than 60 s ahead)"
            : "its samples are stored at the wrong time"
        return "clock \(amount) \(offsetMs > 0 ? "ahead of" : "behind") the hub's: \(consequence); fix its time sync (chrony, systemd-timesyncd)"
    }

    /// `45s`, `3m12s`, `2h5m`, `3d4h`.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        if s < 86400 { return "\(s / 3600)h\(s % 3600 / 60)m" }
        return "\(s / 86400)d\(s % 86400 / 3600)h"
    }
}
