import Foundation

/// A throwaway PostgreSQL server for tests: a fresh cluster in a temporary directory on a free loopback port,
/// trust authentication, superuser `sms`.
///
/// The server runs under a small shell watchdog that holds the read end of a pipe: when this process exits for
/// any reason (even a crash or SIGKILL) the pipe closes, and the watchdog stops the server (fast shutdown) and
/// removes the directory. So no server outlives `swift test`, without `prctl(PR_SET_PDEATHSIG)`, which
/// Foundation's `Process` cannot set.
public final class PostgresServer: @unchecked Sendable {
    /// The loopback port the server listens on (the same after `stop()` and `start()`).
    public let port: Int
    /// The temporary directory holding the cluster (`data/`), the socket and the log.
    public let directory: String
    /// The database `url` points at.
    public let database: String
    public let user = "sms"

    private let binaries: String
    private let lock = NSLock()
    private var watchdog: Process?
    private var watchdogInput: Pipe?

    /// `postgres://sms@127.0.0.1:PORT/DATABASE`.
    public var url: String { url(database: database) }

    public func url(database: String) -> String { "postgres://\(user)@127.0.0.1:\(port)/\(database)" }

    /// Creates a cluster, starts it and creates `database`. Takes a second or two (initdb).
    public static func launch(database: String = "sms") async throws -> PostgresServer {
        let server = try PostgresServer(database: database)
        try await server.start()
        try await server.createDatabase(database)
        return server
    }

    /// One server shared by every test of the process, started on first use; each test should still take its
    /// own database (`createDatabase(uniqueName())`).
    public static func shared() async throws -> PostgresServer {
        try await SharedServer.instance.get()
    }

    private init(database: String) throws {
        binaries = try Self.findBinaries()
        port = try freePort()
        self.database = database
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("sms-pg-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.giveToServerUser(directory)
        try Self.run(
            binaries + "/initdb",
            [
                "-D", dataDirectory, "-U", user, "-A", "trust", "-E", "UTF8", "--no-sync",
                "--no-instructions",
            ],
            in: directory, asServerUser: true)
    }

    deinit { shutDown(keepData: false) }

    public var dataDirectory: String { directory + "/data" }

    /// Starts the server on `port` and waits (up to 20 s) until it accepts connections.
    public func start() async throws {
        try lock.withLock {
            guard watchdog == nil else { return }
            let input = Pipe()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            var server = [
                binaries + "/postgres", "-D", dataDirectory, "-p", "\(port)", "-k", directory,
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off",
            ]
            if getuid() == 0 { server = Self.asServerUser + server }
            let quoted = server.map { "'\($0)'" }.joined(separator: " ")
            // `read` returns when this process writes "stop" (keep the data) or dies (EOF: remove everything).
            // The shell polls for postmaster.pid rather than `wait`: a SIGCHLD blocked in the mask it inherits
            // from the test process would leave `wait` asleep forever.
            process.arguments = [
                "-c",
                """
                \(quoted) >>'\(directory)/server.log' 2>&1 & pid=$!
                read command; kill -INT $pid
                while [ -e '\(dataDirectory)/postmaster.pid' ]; do sleep 0.05; done
                [ "$command" = stop ] || rm -rf '\(directory)'
                """,
            ]
            process.standardInput = input
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            try process.run()
            watchdog = process
            watchdogInput = input
        }
        let ready = await waitUntil(timeout: .seconds(20), every: .milliseconds(50)) { [self] in
            try Self.run(
                binaries + "/pg_isready", ["-q", "-h", "127.0.0.1", "-p", "\(port)"], in: directory) == 0
        }
        guard ready else {
            let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
            throw TestServerError(
                "PostgreSQL on port \(port) did not start within 20 s; its log:\n\(log.suffix(2000))")
        }
    }

    /// Stops the server (fast shutdown: SIGINT) and waits for it, keeping the data for `start()`.
    public func stop() async throws { shutDown(keepData: true) }

    /// Creates a database, returning its URL.
    @discardableResult
    public func createDatabase(_ name: String) async throws -> String {
        let status = try Self.run(
            binaries + "/psql",
            [
                "-q", "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", "postgres", "-c",
                "CREATE DATABASE \"\(name)\"",
            ],
            in: directory)
        guard status == 0 else {
            throw TestServerError("cannot create database \(name) on port \(port)")
        }
        return url(database: name)
    }

    /// Runs one SQL statement with psql and returns its output, unaligned and without headers (`-At`).
    public func sql(_ statement: String, database: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binaries + "/psql")
        process.arguments = [
            "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d",
            database ?? self.database, "-c", statement,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestServerError("psql failed: \(text)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A database name no other test uses.
    public static func uniqueName(_ prefix: String = "test") -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    private func shutDown(keepData: Bool) {
        let (process, input) = lock.withLock {
            defer {
                watchdog = nil
                watchdogInput = nil
            }
            return (watchdog, watchdogInput)
        }
        guard let process, let input else {
            if !keepData { try? FileManager.default.removeItem(atPath: directory) }
            return
        }
        if keepData { try? input.fileHandleForWriting.write(contentsOf: Data("stop\n".utf8)) }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    // MARK: - Programs

    private static let asServerUser = [
        "setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups",
    ]

    /// The directory of initdb and postgres: `SMS_PG_BIN`, else the newest /usr/lib/postgresql/N/bin.
    private static func findBinaries() throws -> String {
        if let configured = ProcessInfo.processInfo.environment["SMS_PG_BIN"] { return configured }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(
            Int.init)
        for version in versions.sorted(by: >)
        where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        throw TestServerError(
            "PostgreSQL server programs (initdb, postgres) not found under \(root); "
                + "install postgresql-15 (apt-get install postgresql-15) or set SMS_PG_BIN")
    }

    /// initdb and postgres refuse to run as root: when root, the directory goes to the `postgres` user.
    private static func giveToServerUser(_ path: String) throws {
        guard getuid() == 0 else { return }
        guard let account = getpwnam("postgres") else {
            throw TestServerError("running as root but there is no postgres user; install postgresql-15")
        }
        guard chown(path, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
            throw TestServerError("cannot give \(path) to the postgres user")
        }
    }

    /// Runs a program to completion, returning its exit status; a failure to start is an error.
    @discardableResult
    private static func run(
        _ program: String, _ arguments: [String], in directory: String, asServerUser: Bool = false
    )
        throws -> Int32
    {
        let elevated = asServerUser && getuid() == 0
        let (status, output) = try runCommand(
            elevated ? "/usr/bin/setpriv" : program,
            elevated ? Array(Self.asServerUser.dropFirst()) + [program] + arguments : arguments, in: directory,
            hint: "install postgresql-15")
        if asServerUser, status != 0 {
            throw TestServerError("\(program) failed: \(output.suffix(2000))")
        }
        return status
    }
}

/// The lazily started server behind `PostgresServer.shared()`.
private actor SharedServer {
    static let instance = SharedServer()
    private var server: Task<PostgresServer, any Error>?

    func get() async throws -> PostgresServer {
        if let server { return try await server.value }
        let task = Task { try await PostgresServer.launch() }
        server = task
        return try await task.value
    }
}
