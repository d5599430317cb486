import Spec

/// What apply will do to one managed machine, and why.
public struct RemoteChange: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// Nothing there yet: copy the binary, token and settings, start the collector.
        case install
        /// Another binary there (another version, or changed by hand): replace it, restart.
        case upgrade
        /// Settings or token differ: rewrite them, restart.
        case reconfigure
        /// Everything in place but the collector is not running: start it.
        case restart
        case none
        /// Gone from the spec: stop and uninstall the collector (its buffer is kept unless --purge).
        case remove
        /// ssh could not read the machine's state: nothing will be done to it.
        case unreachable
    }

    public var machine: String
    public var destination: String
    public var kind: Kind
    /// What differs, in the plan's words: `interval 1s → 5s`, `sms-collector 0.1.0 → 0.2.0`.
    public var reasons: [String]
    /// Changes made on the machine by hand since apply, as found there.
    public var drift: [String]
    public var installBinary = false
    public var writeToken = false
    public var writeCA = false
    public var writeConfig = false
    public var start = false

    public init(machine: String, destination: String, kind: Kind, reasons: [String] = [], drift: [String] = []) {
        self.machine = machine
        self.destination = destination
        self.kind = kind
        self.reasons = reasons
        self.drift = drift
    }

    /// The plan's line: `+ machine nfrt (root@10.0.0.2): install sms-collector 0.2.0`.
    public var line: String {
        let mark: String
        switch kind {
        case .install: mark = "+"
        case .upgrade, .reconfigure, .restart: mark = "~"
        case .none: mark = " "
        case .remove: mark = "!"
        case .unreachable: mark = "?"
        }
        let what = kind == .none ? "no change" : kind.rawValue
        let why = reasons.isEmpty ? "" : ": " + reasons.joined(separator: ", ")
        var text = "\(mark) machine \(machine) (ssh \(destination)): \(what)\(why)"
        for d in drift { text += "\n    drift: \(d)" }
        return text
    }
}

extension RemoteChange {
    /// Compares what should be on the machine with what is; `record` is what the last apply installed there.
    static func between(_ desired: RemoteDesired, _ observed: RemoteObserved, record: ManagedMachine?) -> RemoteChange {
        var change = RemoteChange(machine: desired.machine.id, destination: desired.access.description, kind: .none)
        let configSHA = desired.configSHA(observed.supervisor)
        if case .docker(let image) = desired.runtime {
            return dockerChange(change, desired, observed, image: image, configSHA: configSHA, record: record)
        }
        guard observed.binarySHA != nil else {
            change.kind = .install
            change.reasons = ["sms-collector \(desired.version) to \(desired.layout.prefix), \(observed.supervisor == .systemd ? "systemd unit" : "supervised by a shell loop (no systemd)")"]
            (change.installBinary, change.writeToken, change.writeConfig, change.start) = (true, true, true, true)
            change.writeCA = desired.caSHA != nil
            return change
        }
        if observed.binarySHA != desired.binarySHA {
            change.kind = .upgrade
            change.installBinary = true
            change.reasons.append("sms-collector \(observed.version ?? "unknown version") → \(desired.version)")
            if let record, record.binarySHA != observed.binarySHA, record.binarySHA == desired.binarySHA {
                change.drift.append("sms-collector was replaced on the machine since the last apply")
            }
        }
        change.compareSettings(desired, observed, configSHA: configSHA, record: record, what: "the collector")
        return change
    }

    /// With `runtime: docker` the image carries the binary: the container's script and the token are compared.
    static func dockerChange(
        _ base: RemoteChange, _ desired: RemoteDesired, _ observed: RemoteObserved, image: String, configSHA: String,
        record: ManagedMachine?
    ) -> RemoteChange {
        var change = base
        guard observed.configSHA != nil else {
            change.kind = .install
            change.reasons = ["container of \(image) (runtime: docker)"]
            (change.writeToken, change.writeConfig, change.start) = (true, true, true)
            change.writeCA = desired.caSHA != nil
            return change
        }
        change.compareSettings(desired, observed, configSHA: configSHA, record: record, what: "the container")
        return change
    }

    /// Settings, token and whether `what` runs: the part of the comparison every runtime shares.
    mutating func compareSettings(
        _ desired: RemoteDesired, _ observed: RemoteObserved, configSHA: String, record: ManagedMachine?, what: String
    ) {
        if observed.configSHA != configSHA {
            if kind == .none { kind = .reconfigure }
            writeConfig = true
            let diff = Self.flagChanges(from: observed.flags ?? "", to: desired.flags)
            reasons += diff.isEmpty ? ["settings"] : diff
            if let record, record.configSHA == configSHA {
                drift.append("\(what)'s settings were edited on the machine since the last apply")
            }
        }
        if observed.tokenSHA != desired.tokenSHA {
            if kind == .none { kind = .reconfigure }
            writeToken = true
            reasons.append(observed.tokenSHA == nil ? "token missing" : "new token")
        }
        if let wanted = desired.caSHA, observed.caSHA != wanted {
            if kind == .none { kind = .reconfigure }
            writeCA = true
            reasons.append(observed.caSHA == nil ? "CA missing" : "new CA")
        }
        start = kind != .none || observed.runningPid == nil
        if kind == .none, observed.runningPid == nil {
            kind = .restart
            drift.append("\(what) is not running")
        }
    }

    /// `interval 1s → 5s` for each flag whose value differs (flags are `--name value` pairs).
    static func flagChanges(from old: String, to new: [String]) -> [String] {
        func pairs(_ words: [String]) -> [String: String] {
            var out: [String: String] = [:]
            var i = 0
            while i < words.count {
                if words[i].hasPrefix("--"), i + 1 < words.count, !words[i + 1].hasPrefix("--") {
                    out[String(words[i].dropFirst(2))] = words[i + 1]
                    i += 2
                } else {
                    i += 1
                }
            }
            return out
        }
        let a = pairs(old.split(separator: " ").map { String($0).replacingOccurrences(of: "'", with: "") })
        let b = pairs(new)
        return Set(a.keys).union(b.keys).sorted().compactMap { key in
            a[key] == b[key] ? nil : "\(key) \(a[key] ?? "(none)") → \(b[key] ?? "(none)")"
        }
    }
}
