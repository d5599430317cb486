import ArgumentParser
import Collector

/// `smsctl run collector`: the same collector, flags and behaviour as the lean `sms-collector` executable.
struct RunCollectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collector",
        abstract: "Sample this machine every interval and stream to the hub, buffering on disk while it is away.",
        discussion: CollectorOptions.discussion(command: "smsctl run collector"))

    @OptionGroup var options: CollectorOptions

    func run() async throws { try await options.run() }
}
