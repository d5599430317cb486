import SMSCore
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

extension RedisError {
    /// A connection-level failure (`error` from NIO, NIOSSL or the RESP decoder) phrased for a person, naming
    /// `endpoint` (scheme, host and port only).
    static func connection(_ error: any Error, endpoint: String, timeout: Duration) -> RedisError {
        switch error {
        case let error as RedisError:
            return error
        case let error as RESPProtocolError:
            return RedisError(
                .protocolViolation, "\(endpoint) sent a malformed reply (\(error)); closing the connection")
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first?.error {
                return connection(first, endpoint: endpoint, timeout: timeout)
            }
            let dns = error.dnsAError ?? error.dnsAAAAError
            return RedisError(
                .connection, "cannot reach \(endpoint) (cannot resolve the host\(dns.map { ": \($0)" } ?? ""))")
        case ChannelError.connectTimeout:
            return RedisError(
                .timeout, "cannot reach \(endpoint): no connection within \(timeout.shown); is Redis running?")
        case let error as IOError:
            let reason = String(cString: strerror(error.errnoCode)).lowercased()
            return RedisError(.connection, "cannot reach \(endpoint) (\(reason)); is Redis running?")
        case let error as NIOSSLError:
            return RedisError(.connection, "TLS with \(endpoint) failed (\(error)); check the CA (rediss://…?ca=/path)")
        case let error as BoringSSLError:
            return RedisError(.connection, "TLS with \(endpoint) failed (\(error)); check the CA (rediss://…?ca=/path)")
        default:
            return RedisError(.connection, "connection to \(endpoint) failed (\(error))")
        }
    }

    static func lost(_ endpoint: String) -> RedisError {
        RedisError(.connection, "lost the connection to \(endpoint) before the reply arrived")
    }

    static func noReply(_ endpoint: String, command: String, after timeout: Duration) -> RedisError {
        RedisError(.timeout, "no reply from \(endpoint) to \(command) within \(timeout.shown); reconnecting")
    }

    static func shutDown(_ endpoint: String) -> RedisError {
        RedisError(.shutdown, "the Redis client for \(endpoint) is shut down")
    }
}

extension Duration {
    /// `5 s`, `250 ms`: how timeouts appear in messages.
    var shown: String {
        let ms = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
    }

    var timeAmount: TimeAmount {
        .nanoseconds(components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000)
    }
}
