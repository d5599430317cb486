import SMSCore
import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import Spec

/// Re-reads the spec file on SIGHUP and swaps it in; a spec with errors is refused and the old one kept.
public struct SpecReloader: Service {
    let file: String
    let box: SpecBox
    let logger: Logger
    let onReload: @Sendable (Spec) async -> Void

    public init(file: String, box: SpecBox, logger: Logger, onReload: @escaping @Sendable (Spec) async -> Void = { _ in }) {
        self.file = file
        self.box = box
        self.logger = logger
        self.onReload = onReload
    }

    public func run() async throws {
        signal(SIGHUP, SIG_IGN)
        let (hups, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { continuation.yield() }
        source.resume()
        defer { source.cancel() }
        await cancelWhenGracefulShutdown {
            for await _ in hups { await reload() }
        }
    }

    /// Loads the file again; on success the new spec is in force for every role of the process.
    public func reload() async {
        let result = SpecLoader.load(file: file)
        guard let spec = result.spec, !result.hasErrors else {
            logger.error("spec reload refused; keeping the running spec", metadata: [
                "file": "\(file)", "diagnostics": "\(result.diagnostics.map(\.description).joined(separator: "; "))",
            ])
            return
        }
        let old = box.current().hash
        box.replace(spec, hash: spec.hash)
        await onReload(spec)
        logger.info("spec reloaded", metadata: ["file": "\(file)", "from": "\(old)", "to": "\(spec.hash)"])
    }
}
