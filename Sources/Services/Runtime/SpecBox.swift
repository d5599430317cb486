import Spec
import Synchronization

/// A spec and the hash that identifies it (what collectors report as their config hash).
public struct SpecVersion: Sendable, Equatable {
    public var spec: Spec
    public var hash: String
    public init(spec: Spec, hash: String) {
        self.spec = spec
        self.hash = hash
    }
}

/// Where every role of the process reads the spec in force; a SIGHUP reload swaps it under their feet.
public protocol SpecProvider: Sendable {
    /// The spec in force right now.
    func current() -> SpecVersion
}

/// The simplest `SpecProvider`: a value behind a lock, replaced on reload.
public final class SpecBox: SpecProvider {
    private let value: Mutex<(version: SpecVersion, generation: Int)>

    public init(_ spec: Spec, hash: String) {
        value = Mutex((SpecVersion(spec: spec, hash: hash), 0))
    }

    public func current() -> SpecVersion { value.withLock { $0.version } }

    /// Counts reloads: an open collector stream checks its token again when this moves (a rotated token ends
    /// the streams still using the old one).
    public var generation: Int { value.withLock { $0.generation } }

    /// Installs a reloaded spec; live clients get a fresh snapshot on their next flush.
    public func replace(_ spec: Spec, hash: String) {
        value.withLock { $0 = (SpecVersion(spec: spec, hash: hash), $0.generation + 1) }
    }
}
