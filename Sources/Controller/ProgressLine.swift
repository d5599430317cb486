import Services
import SMSCore
import Foundation

/// One line per step: on a terminal a spinner with the elapsed time, replaced by the outcome when it ends;
/// elsewhere (logs, pipes, tests) only the outcome lines.
public final class ProgressLine: @unchecked Sendable {
    private let isTerminal: Bool
    private var frame = 0
    private static let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    public init(isTerminal: Bool = isatty(STDOUT_FILENO) == 1) {
        self.isTerminal = isTerminal
    }

    /// Shows `text` with a spinner and the elapsed time (terminal only).
    public func update(_ text: String, elapsed: Duration) {
        guard isTerminal else { return }
        frame = (frame + 1) % Self.frames.count
        let seconds = String(
            format: "%.1fs",
            Double(elapsed.components.seconds)
                + Double(elapsed.components.attoseconds) / 1e18)
        write("\r\u{1B}[K\(Self.frames[frame]) \(text) \(seconds)")
    }

    /// Ends the step: `✓ hub: started (pid 1234, healthy in 0.4s)`.
    public func done(_ text: String) { finish("✓", text) }

    /// A step with nothing to do.
    public func skipped(_ text: String) { finish("·", text) }

    /// A failed step.
    public func failed(_ text: String) { finish("✗", text) }

    private func finish(_ mark: String, _ text: String) {
        write((isTerminal ? "\r\u{1B}[K" : "") + "\(mark) \(text)\n")
    }

    private func write(_ text: String) {
        print(text, terminator: "")
        fflush(nil)
    }

    /// `0.4s`, `12s`.
    public static func seconds(_ d: Duration) -> String {
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return s < 10 ? String(format: "%.1fs", s) : String(format: "%.0fs", s)
    }
}
