import Foundation

/// The backtest as `plan` prints it: one line per rule and machine.
///
///     Backtest over the last 7 d (history at 1 m resolution, 1m tier):
///       cpu_high (warning 80 → 70) on web-3: would have fired 14× (was 3×), 2 h 10 m in total; longest 40 m
public enum BacktestText {
    public static func render(_ b: PlanBacktest) -> String {
        var out = "\nBacktest over the last \(duration(b.toMs - b.fromMs))"
        if let line = b.lines.first {
            out += " (history at \(duration(line.stepMs)) resolution\(line.tier.map { ", \($0) tier" } ?? ""))"
        }
        out += ":\n"
        if let note = b.note { out += "  \(note)\n" }
        for line in b.lines {
            out += "  \(line.rule) (\(line.change)) on \(line.machine): " + sentence(line)
            if let first = line.historyFromMs, first - b.fromMs > max(line.stepMs * 2, 60_000) {
                out += " — history covers only the last \(duration(b.toMs - first))"
            } else if line.historyFromMs == nil {
                out += " — no stored history"
            }
            out += "\n"
        }
        return out
    }

    static func sentence(_ line: PlanBacktest.Line) -> String {
        let new = line.new
        let was = line.old.map { " (was \($0.firings)×)" } ?? ""
        guard new.firings > 0 else { return "would not have fired\(was)" }
        return "would have fired \(new.firings)×\(was), \(duration(new.totalMs)) in total; longest \(duration(new.longestMs))"
    }

    /// `40 s`, `40 m`, `2 h 10 m`, `3 d 4 h`.
    public static func duration(_ ms: Int64) -> String {
        let s = max(0, ms / 1000)
        if s < 60 { return "\(s) s" }
        let m = s / 60
        if m < 60 { return "\(m) m" }
        let h = m / 60
        if h < 24 { return m % 60 == 0 ? "\(h) h" : "\(h) h \(m % 60) m" }
        return h % 24 == 0 ? "\(h / 24) d" : "\(h / 24) d \(h % 24) h"
    }
}
