import ArgumentParser
import Collector
import NIOCore
import NIOPosix
import SMSCore

/// `sms-collector`: the lean collector that goes onto every machine (the core and the collector only: no HTTP
/// server, no SQL). The same flags as `smsctl run collector`.
struct SMSCollector: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sms-collector",
        abstract: "Sample this machine every interval and stream to the sms hub, buffering on disk while it is away.",
        discussion: CollectorOptions.discussion(command: "sms-collector"),
        version: SMSVersion.description)

    @OptionGroup var options: CollectorOptions
}

/// One thread does the work: every task runs on NIO's event loop (see `CollectorOptions.runOnEventLoop`), the
/// main thread waits for the end, and a signal thread sleeps in `sigwait`. Where the Swift runtime is a shared
/// library, NIO's loop also becomes Swift's global executor, for tasks that do not inherit the loop (a binary with
/// the runtime linked in does not export the hook, and needs it less: measured, its tasks all stay on the loop).
@main
enum SMSCollectorMain {
    static func main() {
        StopSignals.block()
        NIOSingletons.groupLoopCountSuggestion = 1
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let command = SMSCollector.parseOrExit()
        do {
            try command.options.runOnEventLoop()
        } catch {
            SMSCollector.exit(withError: error)
        }
    }
}
