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

/// A handful of reusable connections to one database, opened on demand and dropped when they break.
///
/// Kept small and explicit rather than `PostgresClient` so that the store decides what an outage means:
/// a lease never waits for the server (reads fail at once), and `append` retries on its own terms.
final class PostgresConnections: Sendable {
    private struct Pool {
        var idle: [PostgresConnection] = []
        var nextId = 1
        var isShutDown = false
    }

    let target: PostgresTarget
    private let logger: Logger
    private let pool = Mutex(Pool())
    private static let maxIdle = 4

    init(target: PostgresTarget, logger: Logger) {
        self.target = target
        self.logger = logger
    }

    /// An idle connection, or a new one (one attempt); fails with a message naming the server.
    func lease() async throws -> PostgresConnection {
        let (reused, id, isShutDown): (PostgresConnection?, Int, Bool) = pool.withLock { pool in
            while let connection = pool.idle.popLast() {
                if !connection.isClosed { return (connection, 0, pool.isShutDown) }
            }
            pool.nextId += 1
            return (nil, pool.nextId - 1, pool.isShutDown)
        }
        guard !isShutDown else { throw HistoryStoreError.closed }
        if let reused { return reused }
        do {
            return try await PostgresConnection.connect(
                configuration: target.configuration, id: id, logger: logger)
        } catch {
            throw PostgresFailure(error, target: target, connecting: true)
        }
    }

    /// Returns a connection for reuse, unless it broke or the pool is shut down.
    func release(_ connection: PostgresConnection, broken: Bool) async {
        let kept = pool.withLock { pool in
            guard !broken, !pool.isShutDown, !connection.isClosed, pool.idle.count < Self.maxIdle else {
                return false
            }
            pool.idle.append(connection)
            return true
        }
        if !kept { try? await connection.close() }
    }

    /// Closes every idle connection and refuses new leases.
    func shutDown() async {
        let connections = pool.withLock { pool in
            pool.isShutDown = true
            defer { pool.idle = [] }
            return pool.idle
        }
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
        isolation: isolated (any Actor)? = #isolation, logger: Logger,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await with { connection in
            try await connection.query("BEGIN", logger: logger)
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
