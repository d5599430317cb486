import Foundation
import Spec

extension Spec {
    /// The PEM files the hub serves gRPC with and a collector on this machine verifies it against: the user's
    /// (made absolute against the spec file), the generated ones in `state`, or nil for `hub.tls: off`.
    public func hubTLSFiles(state: StateDirectory, specFile: String) -> TLSFiles? {
        switch resolvingPaths(relativeTo: specFile).hub.tls {
        case .off: nil
        case .files(let files): files
        case .generated:
            TLSFiles(cert: state.hubCertificate.path, key: state.hubKey.path, ca: state.caCertificate.path)
        }
    }
}
