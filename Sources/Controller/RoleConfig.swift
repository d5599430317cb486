import Services
import SMSCore
import Foundation
import Spec

/// The processes `smsctl apply` runs on this machine, named as their log and pid files are (`hub`, `collector-mcrn`).
public enum ControllerRole: Sendable, Hashable, Comparable, CustomStringConvertible {
    case hub
    case collector(String)

    /// Parses `hub` or `collector-<id>`; nil for anything else.
    public init?(name: String) {
        if name == "hub" {
            self = .hub
        } else if name.hasPrefix("collector-"), name.count > "collector-".count {
            self = .collector(String(name.dropFirst("collector-".count)))
        } else {
            return nil
        }
    }

    /// The file-name form: `hub`, `collector-mcrn`.
    public var name: String {
        switch self {
        case .hub: "hub"
        case .collector(let id): "collector-\(id)"
        }
    }

    /// The form people read in plans: `hub`, `collector mcrn`.
    public var description: String {
        switch self {
        case .hub: "hub"
        case .collector(let id): "collector \(id)"
        }
    }

    /// Hub first, then collectors by machine id.
    public static func < (a: ControllerRole, b: ControllerRole) -> Bool {
        switch (a, b) {
        case (.hub, .collector): true
        case (.collector(let x), .collector(let y)): x < y
        default: false
        }
    }
}

/// What a role's process was started with: a change here needs a restart, anything else a reload at most.
///
/// The hash covers only settings read once at start (ports, backends, paths, a collector's interval…), so a
/// changed threshold leaves it equal and the controller reloads instead of restarting.
public enum RoleConfig {
    /// The hub's start-time settings.
    struct HubStart: Encodable {
        var specFile: String
        var bind: String
        var grpcPort: Int
        var httpPort: Int
        var state: StateBackend
        var history: HistoryBackend
        var dataDir: String
        var tls: TLSFiles?
        /// The generated hub certificate's SHA-256: a renewed one restarts the hub.
        var certificate: String?
    }

    /// A collector's start-time settings.
    struct CollectorStart: Encodable {
        var specFile: String
        var machine: String
        var hubHost: String
        var hubPort: Int
        var tls: TLSFiles?
        var interval: SpecDuration
        var buffer: SpecDuration
        var metrics: [MetricGroup]
        var token: Secret
        var bufferDir: String
        /// What the collector reports on its stream (it names `hub.host`, which a local collector does not dial).
        var reportedConfig: String
    }

    /// The address the hub binds (`hub.bind`, else every interface when a remote machine exists, else loopback).
    public static func bindAddress(_ spec: Spec) -> String { spec.hubBindAddress }

    /// The host a process on this machine dials to reach the hub.
    public static func localHubHost(_ spec: Spec) -> String {
        spec.hubHost(dialedBy: Machine(id: "", host: "localhost"))
    }

    /// Start-time hash of the hub for `spec` read from `specFile` (absolute).
    public static func hubHash(_ spec: Spec, specFile: String, state: StateDirectory) -> String {
        hash(
            HubStart(
                specFile: specFile, bind: bindAddress(spec), grpcPort: spec.hub.grpcPort, httpPort: spec.hub.httpPort,
                state: spec.hub.state, history: spec.hub.history,
                dataDir: state.dataDir(for: spec, specFile: specFile).path,
                tls: spec.hubTLSFiles(state: state, specFile: specFile),
                certificate: HubCertificates.fingerprint(spec, state: state)))
    }

    /// Start-time hash of `machine`'s collector.
    public static func collectorHash(_ spec: Spec, machine: Machine, specFile: String, state: StateDirectory) -> String
    {
        hash(
            CollectorStart(
                specFile: specFile, machine: machine.id, hubHost: localHubHost(spec), hubPort: spec.hub.grpcPort,
                tls: spec.hubTLSFiles(state: state, specFile: specFile), interval: machine.interval, buffer: machine.buffer, metrics: machine.metrics,
                token: machine.token, bufferDir: state.dataDir(for: spec, specFile: specFile).path,
                reportedConfig: spec.collectorConfigHash(machine)))
    }

    /// Every local role the spec declares, with its start-time hash.
    public static func hashes(_ spec: Spec, specFile: String, state: StateDirectory) -> [ControllerRole: String] {
        var out: [ControllerRole: String] = [.hub: hubHash(spec, specFile: specFile, state: state)]
        for machine in spec.machines where machine.isLocal {
            out[.collector(machine.id)] = collectorHash(spec, machine: machine, specFile: specFile, state: state)
        }
        return out
    }

    /// `StableHash` of the sorted-keys JSON, like `Spec.hash` (secret values are never encoded).
    static func hash(_ value: some Encodable) -> String { StableHash.hex(of: value) }
}
