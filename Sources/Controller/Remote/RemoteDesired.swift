import Crypto
import Foundation
import SMSCore
import Spec

/// The collector binary apply ships: `sms-collector` beside `smsctl`, unless `--collector-binary` names another.
public struct CollectorBinary: Sendable {
    public let url: URL
    public let sha256: String
    public let version: String
    /// `uname -m` of this machine: the binary is built for it.
    public let arch: String
    public let bytes: Int

    /// Reads and hashes the binary; a missing one is an error that says how to get it.
    public static func load(_ url: URL) throws -> CollectorBinary {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw RemoteError(
                "no collector binary at \(url.path): install smsctl and sms-collector together (scripts/install), "
                    + "or pass --collector-binary PATH")
        }
        var info = utsname()
        uname(&info)
        let arch = withUnsafeBytes(of: &info.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return CollectorBinary(
            url: url, sha256: SHA256.hex(data), version: SMSVersion.description, arch: arch, bytes: data.count)
    }
}

extension SHA256 {
    /// Lowercase hex, as `sha256sum` prints it.
    static func hex(_ data: some DataProtocol) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}

/// What apply wants on one managed machine.
public struct RemoteDesired: Sendable {
    public let machine: Machine
    public let access: SSHAccess
    public let layout: RemoteLayout
    public let flags: [String]
    public let specName: String
    public let binary: CollectorBinary
    /// The token as uploaded (a 0600 file in the state directory's run/ folder), and its SHA-256; nil before
    /// the first apply has generated it (a plan then shows the token as new).
    public let tokenFile: URL?
    public let tokenSHA: String?
    /// The CA the collector verifies the hub against (the generated one, or `hub.tls.ca`), and its SHA-256; nil
    /// without TLS, with the system's roots, or before the first apply has generated it.
    public let caFile: URL?
    public let caSHA: String?
    /// The config hash the collector reports once it runs these settings.
    public let reportedHash: String

    public var version: String { binary.version }
    public var binarySHA: String { binary.sha256 }

    /// The machine's `runtime:`; native unless the spec says docker.
    public var runtime: CollectorRuntime { machine.runtime ?? .native }

    public func config(_ supervisor: RemoteLayout.Supervisor) -> String {
        var image = CollectorRuntime.defaultImage
        if case .docker(let name) = runtime { image = name }
        return layout.config(flags: flags, supervisor: supervisor, spec: specName, image: image)
    }

    public func configSHA(_ supervisor: RemoteLayout.Supervisor) -> String { SHA256.hex(Data(config(supervisor).utf8)) }

    /// Everything apply wants on `machine`; writes the token's upload file (0600) in `state.run`.
    public static func make(
        spec: Spec, specFile: String, machine: Machine, access: SSHAccess, binary: CollectorBinary,
        state: StateDirectory
    ) throws -> RemoteDesired {
        var tokenFile: URL?
        var tokenSHA: String?
        if let token = MachineTokens.token(for: machine, state: state) {
            try FileManager.default.createDirectory(at: state.run, withIntermediateDirectories: true)
            let file = state.run.appendingPathComponent("\(machine.id).token.upload")
            try MachineTokens.write(token, to: file)
            (tokenFile, tokenSHA) = (file, SHA256.hex(try Data(contentsOf: file)))
        }
        let layout = RemoteLayout(machine: machine.id, prefix: access.prefix)
        let caFile = (spec.hubTLSFiles(state: state, specFile: specFile)?.ca).map { URL(fileURLWithPath: $0) }
        let caSHA = caFile.flatMap { FileManager.default.contents(atPath: $0.path) }.map(SHA256.hex)
        // The rendered scripts' CA path, on this machine under its prefix.
        let flags = Renderer.collectorFlags(spec, machine).map { $0 == Renderer.caPath ? layout.ca : $0 }
        return RemoteDesired(
            machine: machine, access: access, layout: layout, flags: flags, specName: spec.name, binary: binary,
            tokenFile: tokenFile, tokenSHA: tokenSHA, caFile: caSHA == nil ? nil : caFile, caSHA: caSHA,
            reportedHash: spec.collectorConfigHash(machine))
    }
}
