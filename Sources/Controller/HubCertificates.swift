import Crypto
import Foundation
import SMSCore
import Spec
import SwiftASN1
import X509

/// The CA and hub certificate behind `hub.tls: auto` (the default): made on the first `apply` (or the hub's first
/// start) in the state directory, the keys beside the tokens (mode 0600). The hub's certificate names every
/// address a collector may dial (`hub.host`, `hub.bind` when specific, this machine's name, localhost and the
/// loopback addresses); it is made anew, by the same CA, when those change or when it has less than 30 days left,
/// so collectors, which trust the CA, never notice. The CA lasts 10 years, the hub's certificate one.
public enum HubCertificates {
    /// What `ensure` did.
    public enum Outcome: Equatable, Sendable {
        case unchanged
        /// A new CA and hub certificate (the first apply).
        case created
        /// A new hub certificate from the existing CA, and why.
        case renewed(String)
    }

    static let caLifetime: TimeInterval = 10 * 365 * 86_400
    static let hubLifetime: TimeInterval = 365 * 86_400
    static let renewBefore: TimeInterval = 30 * 86_400

    /// Makes or renews what `spec` needs; nothing for `hub.tls: off` or the user's own files.
    @discardableResult
    public static func ensure(_ spec: Spec, state: StateDirectory, now: Date = Date()) throws -> Outcome {
        guard spec.hub.tls == .generated else { return .unchanged }
        let fm = FileManager.default
        try fm.createDirectory(at: state.certificates, withIntermediateDirectories: true)
        try fm.createDirectory(at: state.secrets, withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o700])
        // Several roles of one deployment may start at once (`run aggregator` twice): one makes the CA.
        let lock = open(state.secrets.appendingPathComponent(".tls.lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        defer { if lock >= 0 { close(lock) } }
        if lock >= 0 { flock(lock, LOCK_EX) }
        let names = subjectNames(spec)
        guard let ca = try? loadCA(state) else {
            let ca = try makeCA(now: now)
            try write(ca.key.pemRepresentation, to: state.caKey, mode: 0o600)
            try write(try ca.certificate.serializeAsPEM().pemString, to: state.caCertificate, mode: 0o644)
            try issueHub(names, ca: ca, state: state, now: now)
            return .created
        }
        let reason: String?
        if let hub = try? Certificate(pemEncoded: String(contentsOf: state.hubCertificate, encoding: .utf8)),
            fm.fileExists(atPath: state.hubKey.path)
        {
            let held = Set((try? hub.extensions.subjectAlternativeNames).flatMap { $0.map(Array.init) } ?? [])
            if hub.issuer != ca.certificate.subject || hub.publicKey == ca.certificate.publicKey {
                reason = "it was not issued by this CA"
            } else if held != Set(names) {
                reason = "the hub's addresses changed"
            } else if hub.notValidAfter.timeIntervalSince(now) < renewBefore {
                reason = "it expires on \(hub.notValidAfter.formatted(.iso8601.year().month().day()))"
            } else {
                reason = nil
            }
        } else {
            reason = "it was missing"
        }
        guard let reason else { return .unchanged }
        try issueHub(names, ca: ca, state: state, now: now)
        return .renewed(reason)
    }

    /// SHA-256 of the generated hub certificate (nil without one): a renewed certificate changes the hub's
    /// start-time hash, so apply restarts the hub to serve it.
    public static func fingerprint(_ spec: Spec, state: StateDirectory) -> String? {
        guard spec.hub.tls == .generated, let data = FileManager.default.contents(atPath: state.hubCertificate.path)
        else { return nil }
        return SHA256.hex(data)
    }

    /// The addresses the hub's certificate names.
    static func subjectNames(_ spec: Spec) -> [GeneralName] {
        var hosts = [spec.hub.host, "localhost", "127.0.0.1", "::1"]
        let bind = spec.hubBindAddress
        if !["0.0.0.0", "::", "*"].contains(bind) { hosts.append(bind) }
        var buffer = [CChar](repeating: 0, count: 256)
        if gethostname(&buffer, buffer.count) == 0 {
            let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !name.isEmpty { hosts.append(name) }
        }
        var seen = Set<String>()
        return hosts.filter { seen.insert($0.lowercased()).inserted }.map { host in
            if let bytes = ipBytes(host) { return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))) }
            return .dnsName(host.lowercased())
        }
    }

    private struct Authority {
        var key: P256.Signing.PrivateKey
        var certificate: Certificate
    }

    private static func loadCA(_ state: StateDirectory) throws -> Authority {
        let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: state.caKey, encoding: .utf8))
        let certificate = try Certificate(pemEncoded: String(contentsOf: state.caCertificate, encoding: .utf8))
        guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else {
            throw CertificateError("\(state.caCertificate.path) does not match its key \(state.caKey.path)")
        }
        return Authority(key: key, certificate: certificate)
    }

    private static func makeCA(now: Date) throws -> Authority {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("sms")
            CommonName("sms CA \(Int(now.timeIntervalSince1970))")
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(caLifetime),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key))
        return Authority(key: key, certificate: certificate)
    }

    private static func issueHub(_ names: [GeneralName], ca: Authority, state: StateDirectory, now: Date) throws {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("sms")
            CommonName("sms hub")
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(hubLifetime),
            issuer: ca.certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(ca.key))
        try write(key.pemRepresentation, to: state.hubKey, mode: 0o600)
        try write(try certificate.serializeAsPEM().pemString, to: state.hubCertificate, mode: 0o644)
    }

    /// Writes `text` through a temporary file renamed over `url`, created with `mode` (never readable by others
    /// in between).
    private static func write(_ text: String, to url: URL, mode: mode_t) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).new")
        unlink(temporary.path)
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw CertificateError("cannot write \(temporary.path): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        fchmod(fd, mode)
        close(fd)
        guard written == bytes.count, rename(temporary.path, url.path) == 0 else {
            unlink(temporary.path)
            throw CertificateError("cannot write \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    /// The bytes of an IPv4 or IPv6 address, nil for a name.
    static func ipBytes(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

/// Why the hub's certificates could not be made.
public struct CertificateError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
