import Foundation
import Spec

extension Spec {
    /// The spec with its file paths (TLS files, data_dir) made absolute against the spec file's folder, so a
    /// role finds them whatever its working directory.
    public func resolvingPaths(relativeTo specFile: String) -> Spec {
        let base = URL(fileURLWithPath: specFile).standardizedFileURL.deletingLastPathComponent()
        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : base.appendingPathComponent(path).standardizedFileURL.path
        }
        var copy = self
        if let tls = hub.tls.files {
            copy.hub.tls = .files(TLSFiles(cert: absolute(tls.cert), key: absolute(tls.key), ca: tls.ca.map(absolute)))
        }
        if let dir = hub.dataDir, !dir.isEmpty { copy.hub.dataDir = absolute(dir) }
        return copy
    }
}
