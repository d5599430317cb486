import SMSCore
import ArgumentParser
import Foundation
import Logging
import Spec

/// Process set-up for a collector: logging to standard error, and the spec read with its diagnostics printed.
/// (The lean `sms-collector` has no metrics registry: the collector reports its health on its stream instead.)
public enum CollectorLogging {
    /// Bootstraps swift-log once for the process and returns the root logger.
    public static func bootstrap(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "sms")
    }

    /// Loads a spec or prints its diagnostics and exits 1 (2 when the file cannot be read).
    public static func loadSpec(_ path: String) throws -> Spec {
        let result = SpecLoader.load(file: path)
        for diagnostic in result.diagnostics {
            FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8))
        }
        guard let spec = result.spec, !result.hasErrors else {
            throw ExitCode(result.isUnreadable ? 2 : 1)
        }
        return spec
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
