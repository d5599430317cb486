import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Spec
import Synchronization

/// A small SMTP submission client on SwiftNIO: implicit TLS or STARTTLS (required when asked for, never skipped),
/// AUTH PLAIN or LOGIN, one message to its recipients, then QUIT. Every failure is one `SMTPError` line that names
/// the server and the cause; no command is ever logged, so credentials go to the server and nowhere else.
public enum SMTPClient {
    /// Submits `submission`, all of it within `timeout`; returns the recipients refused for good (with the server's
    /// reply) when the others got the message.
    @discardableResult
    public static func send(
        _ submission: SMTPSubmission, timeout: Duration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> [String] {
        let place = submission.place
        let tls = try tlsContext(submission)
        let recorder = SMTPErrorRecorder(place: place)
        let channel: NIOAsyncChannel<String, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Int64(Notifier.Options.seconds(min(timeout, .seconds(30))) * 1e9)))
                .connect(host: submission.host, port: submission.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if submission.security == .tls {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: tls, serverHostname: serverName(submission.host)))
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                        try channel.pipeline.syncOperations.addHandler(recorder)
                        return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw SMTPError(describe(error, place: place))
        }
        // The deadline closes the connection, which ends whatever read is waiting.
        let timedOut = Atomic<Bool>(false)
        let deadline = Task {
            try await Task.sleep(for: timeout)
            timedOut.store(true, ordering: .relaxed)
            channel.channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var session = SMTPSession(
                    lines: inbound.makeAsyncIterator(), outbound: outbound, channel: channel.channel, place: place)
                return try await session.submit(submission, tls: tls)
            }
        } catch {
            if timedOut.load(ordering: .relaxed) { throw SMTPError("\(place) did not finish within \(timeout)") }
            // A failed handshake shows later as a closed channel: the first error is the cause.
            if let cause = recorder.firstError { throw SMTPError(cause) }
            throw error is SMTPError ? error : SMTPError(describe(error, place: place))
        }
    }

    /// The client TLS context: the system's roots, or only `caFile` when given; TLS 1.2 at least.
    static func tlsContext(_ submission: SMTPSubmission) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let ca = submission.caFile { configuration.trustRoots = .file(ca) }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw SMTPError("cannot set up TLS for \(submission.place): \(error)")
        }
    }

    /// The name sent in SNI and checked in the certificate; nil for an IP address (checked against the address).
    static func serverName(_ host: String) -> String? {
        let isAddress = host.contains(":") || host.split(separator: ".").allSatisfy { Int($0) != nil }
        return isAddress ? nil : host
    }

    /// A connection or TLS failure in one line that says what to check.
    static func describe(_ error: any Error, place: String) -> String {
        switch error {
        case let error as SMTPError: return error.description
        case let error as NIOConnectionError:
            if error.dnsAError != nil || error.dnsAAAAError != nil, error.connectionErrors.isEmpty {
                return "cannot resolve \(error.host)"
            }
            let causes = Set(error.connectionErrors.map { describe($0.error, place: place) })
            return causes.count == 1 ? causes.first! : "cannot connect to \(place)"
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return "\(place) refused the connection (nothing listening?)"
        case let error as IOError:
            return "cannot reach \(place) (\(String(cString: strerror(error.errnoCode))))"
        case ChannelError.connectTimeout:
            return "\(place) did not accept the connection in time"
        case let error as NIOSSLError:
            return
                "TLS with \(place) failed (is its certificate valid for this name and trusted? set ca: for a private CA): \(oneLine(error))"
        case let error as BoringSSLError:
            return "TLS with \(place) failed: \(oneLine(error))"
        case ChannelError.ioOnClosedChannel, ChannelError.alreadyClosed, ChannelError.eof:
            return "\(place) closed the connection"
        default:
            return "SMTP with \(place) failed: \(oneLine(error))"
        }
    }

    static func oneLine(_ error: any Error) -> String {
        let text = "\(error)".replacingOccurrences(of: "\n", with: " ")
        return text.count > 200 ? String(text.prefix(197)) + "..." : text
    }
}
