import SMSCore
import Foundation

/// Someone said "I'm on it" about one firing alert (`smsctl ack add`, or Acknowledge on the dashboard).
///
/// It belongs to one firing period: it names the alert and when that period began, so when the alert resolves
/// and fires again the new period is unacknowledged, with nothing to clean up. While it holds, the first and
/// repeated firing notifications are held back; an escalation and the resolution still go out.
public struct Acknowledgement: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    public var machine: String
    public var rule: String
    /// The series' canonical text; empty for absence rules.
    public var series: String
    /// When the acknowledged firing period began (the alert's `sinceMs`).
    public var firingSinceMs: Int64
    public var atMs: Int64
    /// Who (the login or the `smsctl` user), if known.
    public var by: String?
    public var comment: String

    public init(
        id: String = Silence.newID(), key: AlertKey, firingSinceMs: Int64, atMs: Int64, by: String?, comment: String
    ) {
        self.id = id
        machine = key.machine
        rule = key.rule
        series = key.series
        self.firingSinceMs = firingSinceMs
        self.atMs = atMs
        self.by = by
        self.comment = comment
    }

    enum CodingKeys: String, CodingKey {
        case id, machine, rule, series, by, comment
        case firingSinceMs = "firing_since_ms"
        case atMs = "at_ms"
    }

    public var key: AlertKey { AlertKey(rule: rule, machine: machine, series: series) }

    /// True for the firing period of `key` that began at `sinceMs`.
    public func covers(_ key: AlertKey, firingSinceMs sinceMs: Int64) -> Bool {
        self.key == key && firingSinceMs == sinceMs
    }

    /// Acknowledges the one firing alert among `active` on `machine` for `rule` (and `series`, when the rule
    /// fires for several); a sentence saying what is wrong otherwise.
    public static func of(
        _ active: [AlertStatusDTO], machine: String, rule: String, series: String?, atMs: Int64, by: String?,
        comment: String
    ) -> Result<Acknowledgement, AcknowledgementError> {
        let firing = active.filter {
            $0.state == .firing && $0.machine == machine && $0.rule == rule && (series == nil || ($0.series ?? "") == series)
        }
        guard let alert = firing.first else {
            return .failure(.notFiring("\(rule) on \(machine) is not firing; only a firing alert can be acknowledged"))
        }
        guard firing.count == 1 else {
            let choices = firing.compactMap(\.series).joined(separator: ", ")
            return .failure(.ambiguous("\(rule) fires on \(machine) for several series; name one: \(choices)"))
        }
        let key = AlertKey(rule: rule, machine: machine, series: alert.series ?? "")
        return .success(Acknowledgement(key: key, firingSinceMs: alert.sinceMs, atMs: atMs, by: by, comment: comment))
    }

    /// Keeps `all` to what still matters: acknowledgements of periods still firing in `active`.
    public static func current(_ all: [Acknowledgement], active: [AlertStatusDTO]) -> [Acknowledgement] {
        all.filter { ack in
            active.contains {
                $0.state == .firing && ack.covers(
                    AlertKey(rule: $0.rule, machine: $0.machine, series: $0.series ?? ""), firingSinceMs: $0.sinceMs)
            }
        }
    }
}

/// Why an acknowledgement could not be made.
public enum AcknowledgementError: Error, CustomStringConvertible, Equatable {
    case notFiring(String)
    case ambiguous(String)

    public var description: String {
        switch self {
        case .notFiring(let text), .ambiguous(let text): text
        }
    }
}

/// How an acknowledged alert shows on `/api/alerts`, in `status` and on the dashboard.
public struct AcknowledgedDTO: Sendable, Codable, Equatable {
    public var id: String
    /// Who; nil on a public edge.
    public var by: String?
    public var atMs: Int64
    /// nil on a public edge.
    public var comment: String?

    public init(_ ack: Acknowledgement) {
        id = ack.id
        by = ack.by
        atMs = ack.atMs
        comment = ack.comment.isEmpty ? nil : ack.comment
    }
}
