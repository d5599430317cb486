import Foundation
import Spec

/// Where a deployment keeps what `smsctl apply` made: secrets, pid files, logs, the applied spec, data.
///
/// By default `.sms/<name>/` beside the spec file, so two checkouts never share state.
public struct StateDirectory: Sendable, Equatable {
    public let url: URL

    public init(url: URL) { self.url = url.standardizedFileURL }

    /// The default for a spec file: `<spec dir>/.sms/<spec name>/`, unless `override` names one.
    public init(specFile: String, specName: String, override: String? = nil) {
        if let override, !override.isEmpty {
            self.init(url: URL(fileURLWithPath: override))
        } else {
            let dir = URL(fileURLWithPath: specFile).standardizedFileURL.deletingLastPathComponent()
            self.init(url: dir.appendingPathComponent(".sms").appendingPathComponent(specName))
        }
    }

    public var secrets: URL { url.appendingPathComponent("secrets") }
    public var logs: URL { url.appendingPathComponent("logs") }
    public var run: URL { url.appendingPathComponent("run") }
    public var appliedSpec: URL { url.appendingPathComponent("applied.json") }

    /// History and buffers: `hub.data_dir` when the spec names one (relative to the spec), else `data/` here.
    public func dataDir(for spec: Spec, specFile: String) -> URL {
        guard let dir = spec.hub.dataDir, !dir.isEmpty else { return url.appendingPathComponent("data") }
        if dir.hasPrefix("/") { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: specFile).standardizedFileURL.deletingLastPathComponent().appendingPathComponent(dir)
    }

    public func tokenFile(machine: String) -> URL { secrets.appendingPathComponent("\(machine).token") }
    /// The bearer token `smsctl status`, `down`… send to the hub's API (`HubSecrets`).
    public var apiTokenFile: URL { secrets.appendingPathComponent("api.token") }
    /// The one-time admin login link's token and expiry, until it is used.
    public var loginLinkFile: URL { secrets.appendingPathComponent("login-once.json") }
    /// The hash of the password the one-time link's admin set (when the spec declares no users).
    public var adminPasswordFile: URL { secrets.appendingPathComponent("admin.password") }
    public func logFile(role: String) -> URL { logs.appendingPathComponent("\(role).log") }
    public func pidFile(role: String) -> URL { run.appendingPathComponent("\(role).pid") }
}

extension StateDirectory {
    /// The generated CA and hub certificate (public: collectors on other machines get a copy of the CA).
    public var certificates: URL { url.appendingPathComponent("tls") }
    public var caCertificate: URL { certificates.appendingPathComponent("ca.pem") }
    public var hubCertificate: URL { certificates.appendingPathComponent("hub.pem") }
    /// Their private keys, with the other secrets (mode 0600).
    public var caKey: URL { secrets.appendingPathComponent("ca.key") }
    public var hubKey: URL { secrets.appendingPathComponent("hub.key") }
}
