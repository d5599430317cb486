import ArgumentParser
import Collector
import SMSCore

/// `sms-collector`: the lean collector that goes onto every machine (the core and the collector only: no HTTP
/// server, no SQL). The same flags as `smsctl run collector`.
@main
struct SMSCollector: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sms-collector",
        abstract: "Sample this machine every interval and stream to the sms hub, buffering on disk while it is away.",
        discussion: CollectorOptions.discussion(command: "sms-collector"),
        version: SMSVersion.description)

    @OptionGroup var options: CollectorOptions

    func run() async throws { try await options.run() }
}
