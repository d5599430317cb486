import Foundation
import Synchronization

/// Slows password guessing: after `freeFailures` failed logins from one client address, or for one user name,
/// further tries from that address or for that name wait, doubling from `baseDelay` up to `maxDelay`.
///
/// Both keys count, so a guesser cannot spread one name over many addresses nor many names over one address; a
/// correct login clears both. Time is passed in, so tests need no waiting.
final class LoginThrottle: Sendable {
    struct Settings: Sendable {
        var freeFailures = 5
        var baseDelay: Duration = .seconds(30)
        var maxDelay: Duration = .seconds(15 * 60)
        /// Counters of keys quiet for this long are forgotten.
        var memory: Duration = .seconds(24 * 3600)
        var capacity = 50_000
    }

    struct Record {
        var failures: Int
        var blockedUntil: Date
        var lastFailure: Date
    }

    let settings: Settings
    private let records = Mutex<[String: Record]>([:])

    init(settings: Settings = Settings()) { self.settings = settings }

    /// How long the caller must wait before `address` may try `name` again; nil when it may try now.
    func wait(address: String, name: String, now: Date) -> Duration? {
        let until = records.withLock { all in
            [Self.addressKey(address), Self.nameKey(name)].compactMap { all[$0]?.blockedUntil }.max()
        }
        guard let until, until > now else { return nil }
        return .milliseconds(Int64(until.timeIntervalSince(now) * 1000))
    }

    /// Counts a failed login against both the address and the name.
    func failed(address: String, name: String, now: Date) {
        records.withLock { all in
            if all.count >= settings.capacity { prune(&all, now: now) }
            for key in [Self.addressKey(address), Self.nameKey(name)] {
                var record = all[key] ?? Record(failures: 0, blockedUntil: .distantPast, lastFailure: now)
                record.failures += 1
                record.lastFailure = now
                if record.failures >= settings.freeFailures {
                    record.blockedUntil = now.addingTimeInterval(delay(afterFailures: record.failures))
                }
                all[key] = record
            }
        }
    }

    /// A correct login: both counters start again.
    func succeeded(address: String, name: String) {
        records.withLock { all in
            all[Self.addressKey(address)] = nil
            all[Self.nameKey(name)] = nil
        }
    }

    /// Seconds to wait after `failures` failures: base at the limit, doubling with each further one, capped.
    func delay(afterFailures failures: Int) -> TimeInterval {
        let base = Double(settings.baseDelay.components.seconds)
        let doubled = base * pow(2, Double(min(failures - settings.freeFailures, 20)))
        return min(doubled, Double(settings.maxDelay.components.seconds))
    }

    private func prune(_ all: inout [String: Record], now: Date) {
        let memory = Double(settings.memory.components.seconds)
        all = all.filter { $0.value.blockedUntil > now || now.timeIntervalSince($0.value.lastFailure) < memory }
        if all.count >= settings.capacity {
            for key in all.sorted(by: { $0.value.lastFailure < $1.value.lastFailure }).prefix(all.count / 10).map(\.key) {
                all[key] = nil
            }
        }
    }

    static func addressKey(_ address: String) -> String { "a:" + address }
    static func nameKey(_ name: String) -> String { "n:" + name.lowercased() }
}
