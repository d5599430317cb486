import SMSCore
import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization

/// Where the PostgreSQL history lives, parsed from `hub.history: postgres://USER[:PASSWORD]@HOST[:PORT]/DB`.
struct PostgresTarget: Sendable {
    var configuration: PostgresConnection.Configuration
    /// `HOST:PORT/DB` as user `USER`, for messages; never the password.
    var described: String

    /// Parses the URL; errors say what to fix and never repeat the password.
    init(url: String) throws {
        let shown = HistoryStoreFactory.redacted(url)
        guard let parts = URLComponents(string: url), let scheme = parts.scheme,
            ["postgres", "postgresql"].contains(scheme.lowercased()), let host = parts.host, !host.isEmpty
        else {
            throw HistoryStoreError(
                "hub.history: \(shown) is not a PostgreSQL URL; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
            )
        }
        guard let user = parts.user, !user.isEmpty else {
            throw HistoryStoreError(
                "hub.history: \(shown) names no user; write it as postgres://USER@\(host)/DATABASE")
        }
        let database = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        guard !database.isEmpty, !database.contains("/") else {
            throw HistoryStoreError(
                "hub.history: \(shown) names no database; add it after the host, e.g. postgres://\(user)@\(host)/sms"
            )
        }
        let port = parts.port ?? 5432
        let mode = parts.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: parts.password, database: database,
            tls: try Self.tls(mode, shown: shown))
        configuration.options.connectTimeout = .seconds(5)
        described = "\(host):\(port)/\(database) as \(user)"
    }

    /// libpq's sslmode names: `require` encrypts without checking the certificate, `verify-full` checks it.
    private static func tls(_ mode: String, shown: String) throws
        -> PostgresConnection.Configuration.TLS
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case "disable": return .disable
        case "require": tls.certificateVerification = .none
        case "verify-full": tls.certificateVerification = .fullVerification
        default:
            throw HistoryStoreError(
                "hub.history: \(shown): sslmode \"\(mode)\" is not supported; use disable, require or verify-full"
            )
        }
        do {
            return .require(try NIOSSLContext(configuration: tls))
        } catch {
            throw HistoryStoreError("hub.history: \(shown): cannot set up TLS (\(error))")
        }
    }
}

/// A bounded set of reusable connections to one database, opened on demand and dropped when they break.
///
/// Kept small and explicit rather than `PostgresClient` so that the store decides what an outage means: when
/// the server is away a lease fails at once (reads fail fast; `append` retries on its own terms). When every
/// connection is busy, a lease waits for one to come back: a thousand collectors reconnecting at once must not
/// open a thousand connections (the server refuses past `max_connections`).
final class PostgresConnections: Sendable {
    private struct Pool {
        var idle: [PostgresConnection] = []
        /// Connections open or being opened (idle ones included).
        var open = 0
        /// Leases waiting for a busy connection; resumed with one, or with nil to open their own.
        var waiters: [CheckedContinuation<PostgresConnection?, Never>] = []
        var nextId = 1
        var isShutDown = false
    }

    let target: PostgresTarget
    private let logger: Logger
    private let pool = Mutex(Pool())
    /// Enough for group commits and a gateway's queries side by side.
    static let maxOpen = 8

    init(target: PostgresTarget, logger: Logger) {
        self.target = target
        self.logger = logger
    }

    private enum Next { case reuse(PostgresConnection), connect(Int), wait, shutDown }

    /// An idle connection, a new one (one attempt), or — when `maxOpen` are busy — the next one released.
    /// Fails with a message naming the server when a new connection cannot be made.
    func lease() async throws -> PostgresConnection {
        while true {
            let next: Next = pool.withLock { pool in
                if pool.isShutDown { return .shutDown }
                while let connection = pool.idle.popLast() {
                    if !connection.isClosed { return .reuse(connection) }
                    pool.open -= 1
                }
                guard pool.open < Self.maxOpen else { return .wait }
                pool.open += 1
                pool.nextId += 1
                return .connect(pool.nextId - 1)
            }
            switch next {
            case .shutDown:
                throw HistoryStoreError.closed
            case .reuse(let connection):
                return connection
            case .connect(let id):
                do {
                    return try await PostgresConnection.connect(
                        configuration: target.configuration, id: id, logger: logger)
                } catch {
                    forget()
                    throw PostgresFailure(error, target: target, connecting: true)
                }
            case .wait:
                let handed: PostgresConnection? = await withCheckedContinuation { continuation in
                    let ready: Bool = pool.withLock { pool in
                        // Re-check under the lock: a connection may have come back since.
                        if pool.isShutDown || !pool.idle.isEmpty || pool.open < Self.maxOpen { return true }
                        pool.waiters.append(continuation)
                        return false
                    }
                    if ready { continuation.resume(returning: nil) }
                }
                if let handed { return handed }
            }
        }
    }

    /// A connection that will not come back (broken, or failed to open): frees its slot for a waiter.
    private func forget() {
        let waiter = pool.withLock { pool in
            pool.open -= 1
            return pool.waiters.isEmpty ? nil : pool.waiters.removeFirst()
        }
        waiter?.resume(returning: nil)
    }

    /// Returns a connection for reuse (straight to a waiting lease if there is one), unless it broke or the pool
    /// is shut down.
    func release(_ connection: PostgresConnection, broken: Bool) async {
        enum Outcome { case kept, handed(CheckedContinuation<PostgresConnection?, Never>), close }
        let outcome: Outcome = pool.withLock { pool in
            guard !broken, !pool.isShutDown, !connection.isClosed else { return .close }
            if !pool.waiters.isEmpty { return .handed(pool.waiters.removeFirst()) }
            pool.idle.append(connection)
            return .kept
        }
        switch outcome {
        case .kept: break
        case .handed(let waiter): waiter.resume(returning: connection)
        case .close:
            forget()
            try? await connection.close()
        }
    }

    /// Closes every idle connection and refuses new leases (waiting ones fail).
    func shutDown() async {
        let (connections, waiters) = pool.withLock { pool in
            pool.isShutDown = true
            defer {
                pool.idle = []
                pool.waiters = []
            }
            return (pool.idle, pool.waiters)
        }
        for waiter in waiters { waiter.resume(returning: nil) }
        for connection in connections { try? await connection.close() }
    }

    /// Runs `body` on a leased connection in the caller's isolation; a connection-level failure drops it.
    func with<T: Sendable>(
        isolation: isolated (any Actor)? = #isolation, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await lease()
        do {
            let result = try await body(connection)
            await release(connection, broken: false)
            return result
        } catch {
            let failure = PostgresFailure(error, target: target, connecting: false)
            await release(connection, broken: failure.connectionLost)
            throw failure
        }
    }

    /// `body` in a transaction on a leased connection.
    func transaction<T: Sendable>(
        isolation: isolated (any Actor)? = #isolation, begin: String = "BEGIN", logger: Logger,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await with { connection in
            try await connection.query(PostgresQuery(unsafeSQL: begin), logger: logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
                throw error
            }
        }
    }
}

/// A PostgreSQL failure described for a person, and whether it was the connection (worth retrying) or the SQL.
struct PostgresFailure: Error, CustomStringConvertible {
    var description: String
    /// The server could not be reached or went away: retrying later may succeed.
    var connectionLost: Bool
    /// The server's SQLSTATE, when it answered with an error.
    var sqlState: String?

    init(_ error: any Error, target: PostgresTarget, connecting: Bool) {
        if let failure = error as? PostgresFailure {
            self = failure
            return
        }
        if let transaction = error as? PostgresTransactionError,
            let inner = transaction.beginError ?? transaction.closureError ?? transaction.commitError
        {
            self.init(inner, target: target, connecting: connecting)
            return
        }
        let server = target.described
        guard let error = error as? PSQLError else {
            // NIO's own errors (connection refused, reset, timeout) arrive unwrapped; anything else is ours.
            if connecting || error is ChannelError || error is IOError {
                self.init(
                    lost:
                        "cannot reach PostgreSQL at \(server) (\(Self.reason(error))); is PostgreSQL running?")
            } else {
                self.init(sql: "history store on PostgreSQL at \(server): \(error)")
            }
            return
        }
        if let info = error.serverInfo, let state = info[.sqlState] {
            let message = info[.message] ?? "error \(state)"
            let description: String
            switch state {
            case "28P01", "28000":
                description =
                    "PostgreSQL at \(server) refused the login (\(message)); check the user and password in hub.history"
            case "3D000":
                description =
                    "PostgreSQL at \(server): \(message); create it (createdb) or fix the database name in hub.history"
            case "57P03":
                description = "PostgreSQL at \(server) is starting up or shutting down (\(message))"
            default:
                description = "PostgreSQL at \(server) failed: \(message) (SQLSTATE \(state))"
            }
            self.init(
                description: description, connectionLost: state.hasPrefix("08") || state.hasPrefix("57P"),
                sqlState: state)
            return
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
            let reason = error.underlying.map(Self.reason) ?? "\(error.code)"
            let what = connecting ? "cannot reach" : "lost the connection to"
            self.init(lost: "\(what) PostgreSQL at \(server) (\(reason)); is PostgreSQL running?")
        case .sslUnsupported:
            self.init(sql: "PostgreSQL at \(server) does not offer TLS; remove sslmode from hub.history")
        default:
            self.init(sql: "PostgreSQL at \(server) failed (\(error.code))")
        }
    }

    private init(description: String, connectionLost: Bool, sqlState: String? = nil) {
        self.description = description
        self.connectionLost = connectionLost
        self.sqlState = sqlState
    }

    private init(lost description: String) {
        self.init(description: description, connectionLost: true)
    }

    private init(sql description: String) {
        self.init(description: description, connectionLost: false)
    }

    /// NIO errors print as `connection reset (error set): Connection refused (errno: 111)`; keep the useful end.
    private static func reason(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("refused") { return "connection refused" }
        if text.contains("reset") { return "connection reset" }
        if text.lowercased().contains("timeout") || text.lowercased().contains("timed out") {
            return "timed out"
        }
        return text
    }
}
