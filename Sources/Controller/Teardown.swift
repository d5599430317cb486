import Services
import SMSCore
import Foundation

/// Stops what apply started: collectors first, then the hub, so the hub stores what they last sent.
public enum Teardown {
    /// Every role with a pid file in `state.run`, collectors first; stops each gracefully and removes its pid file.
    /// Returns how many were running.
    @discardableResult
    public static func stopAll(state: StateDirectory, progress: ProgressLine, grace: Duration = .seconds(10)) async
        -> Int
    {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: state.run.path)) ?? []
        let roles = names.filter { $0.hasSuffix(".pid") }.compactMap { ControllerRole(name: String($0.dropLast(4))) }
        // Collectors (sorted after the hub) go first.
        var running = 0
        for role in roles.sorted().reversed() {
            let file = state.pidFile(role: role.name)
            guard let record = PidRecord.read(file) else {
                try? FileManager.default.removeItem(at: file)
                continue
            }
            let began = ContinuousClock.now
            let outcome = await ProcessSupervisor.stop(record, grace: grace)
            try? FileManager.default.removeItem(at: file)
            let took = ProgressLine.seconds(ContinuousClock.now - began)
            switch outcome {
            case .notRunning:
                progress.skipped("\(role): was not running (stale pid file removed)")
            case .stopped:
                running += 1
                progress.done("\(role): stopped (pid \(record.pid), in \(took))")
            case .killed:
                running += 1
                progress.done("\(role): killed after \(grace) without exiting (pid \(record.pid))")
            }
        }
        return running
    }
}
