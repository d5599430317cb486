import SMSCore
import SQLiteNIO

/// Reading periods and events back, newest first.
extension SQLiteAlertStateStore {
    public func periods(limit: Int) async throws -> [AlertPeriod] {
        let rows = try await db.query(
            """
            SELECT rule, machine, series, since_ms, ended_ms, severity, value, threshold, summary
            FROM alert_periods ORDER BY since_ms DESC, rule, machine, series LIMIT ?
            """, [.integer(limit)])
        return rows.compactMap { row in
            guard let rule = row.column("rule")?.string, let machine = row.column("machine")?.string,
                let series = row.column("series")?.string, let since = row.column("since_ms")?.integer,
                let severity = row.column("severity")?.string.flatMap(AlertSeverity.init(rawValue:))
            else { return nil }
            return AlertPeriod(
                key: AlertKey(rule: rule, machine: machine, series: series), severity: severity,
                sinceMs: Int64(since), endedMs: row.column("ended_ms")?.integer.map(Int64.init),
                value: row.column("value")?.double, threshold: row.column("threshold")?.double,
                summary: row.column("summary")?.string ?? "")
        }
    }

    public func events(limit: Int) async throws -> [AlertEventRecord] {
        let rows = try await db.query(
            """
            SELECT at_ms, kind, rule, machine, series, severity, value, threshold, reason
            FROM alert_events ORDER BY id DESC LIMIT ?
            """, [.integer(limit)])
        return rows.compactMap { row in
            guard let at = row.column("at_ms")?.integer,
                let kind = row.column("kind")?.string.flatMap(AlertTransition.Kind.init(rawValue:)),
                let rule = row.column("rule")?.string, let machine = row.column("machine")?.string,
                let series = row.column("series")?.string,
                let severity = row.column("severity")?.string.flatMap(AlertSeverity.init(rawValue:))
            else { return nil }
            return AlertEventRecord(
                atMs: Int64(at), kind: kind, key: AlertKey(rule: rule, machine: machine, series: series),
                severity: severity, value: row.column("value")?.double, threshold: row.column("threshold")?.double,
                reason: row.column("reason")?.string)
        }
    }
}
