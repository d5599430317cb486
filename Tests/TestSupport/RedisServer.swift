import Foundation

/// A throwaway `redis-server` for tests: a temporary directory, a free loopback port, no persistence; optionally
/// a password and a TLS port with a certificate made by `openssl`, signed by a CA of its own (`caFile`).
///
/// Like ``PostgresServer`` it runs under a shell watchdog that stops it when this process exits for any reason,
/// so no server outlives `swift test`. `stop()` and `start()` keep the port, for outage tests.
public final class RedisServer: @unchecked Sendable {
    /// The plain-text port (the same after `stop()` and `start()`).
    public let port: Int
    /// The TLS port, when launched with `tls: true`.
    public let tlsPort: Int?
    public let password: String?
    /// Holds the log, the certificates and the watchdog's pid file.
    public let directory: String

    private let watchdog = WatchdogSlot()

    /// `redis://[:password@]127.0.0.1:PORT`, optionally with a database.
    public var url: String { url(database: 0) }

    public func url(database: Int) -> String {
        let credentials = password.map { ":\($0)@" } ?? ""
        return "redis://\(credentials)127.0.0.1:\(port)" + (database == 0 ? "" : "/\(database)")
    }

    /// `rediss://[:password@]127.0.0.1:TLSPORT?ca=…`, when launched with `tls: true`.
    public var tlsURL: String? {
        guard let tlsPort else { return nil }
        let credentials = password.map { ":\($0)@" } ?? ""
        return "rediss://\(credentials)127.0.0.1:\(tlsPort)?ca=\(caFile)"
    }

    /// The PEM file of the CA that signed the TLS certificate.
    public var caFile: String { directory + "/ca.crt" }

    /// The running server's process id; nil while stopped.
    public var pid: Int32? {
        !watchdog.isRunning
            ? nil
            : (try? String(contentsOfFile: directory + "/redis.pid", encoding: .utf8)).flatMap { Int32($0.trimmed) }
    }

    /// Starts a server and waits (up to 10 s) until it answers PING.
    public static func launch(password: String? = nil, tls: Bool = false) async throws -> RedisServer {
        let server = try RedisServer(password: password, tls: tls)
        try await server.start()
        return server
    }

    private init(password: String?, tls: Bool) throws {
        _ = try Self.program()
        port = try freePort()
        tlsPort = tls ? try freePort() : nil
        self.password = password
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sms-redis-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if tls { try makeCertificates() }
    }

    deinit { shutDown(keepData: false) }

    /// Starts the server on `port` (again) and waits until it answers PING.
    public func start() async throws {
        try watchdog.start(in: directory) {
            let quoted = try ([Self.program()] + arguments).map { "'\($0)'" }.joined(separator: " ")
            // `read` returns when this process writes "stop" (keep the directory) or dies (EOF: remove it).
            return """
                \(quoted) >>'\(directory)/redis.log' 2>&1 & pid=$!
                echo $pid >'\(directory)/redis.pid'
                read command; kill -TERM $pid; wait $pid
                [ "$command" = stop ] || rm -rf '\(directory)'
                """
        }
        let port = port
        let ready = await waitUntil(timeout: .seconds(10), every: .milliseconds(20)) { Self.answersPing(port: port) }
        guard ready else {
            let log = (try? String(contentsOfFile: directory + "/redis.log", encoding: .utf8)) ?? ""
            shutDown(keepData: true)
            throw TestServerError(
                "redis-server on port \(port) did not answer PING within 10 s; its log:\n\(log.suffix(2000))")
        }
    }

    /// Stops the server (SIGTERM) and waits until it has exited; `start()` brings it back on the same port.
    public func stop() async throws { shutDown(keepData: true) }

    private var arguments: [String] {
        var args = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory]
        if let password { args += ["--requirepass", password] }
        if let tlsPort {
            args += [
                "--tls-port", "\(tlsPort)", "--tls-cert-file", directory + "/server.crt",
                "--tls-key-file", directory + "/server.key", "--tls-ca-cert-file", caFile, "--tls-auth-clients", "no",
            ]
        }
        return args
    }

    private func shutDown(keepData: Bool) { watchdog.shutDown(keepData: keepData, directory: directory) }

    // MARK: - Programs

    /// The redis-server binary: `SMS_REDIS_SERVER`, else the first on PATH, else /usr/bin/redis-server.
    private static func program() throws -> String {
        if let configured = ProcessInfo.processInfo.environment["SMS_REDIS_SERVER"] { return configured }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"]
        where FileManager.default.isExecutableFile(atPath: "\(dir)/redis-server") {
            return "\(dir)/redis-server"
        }
        throw TestServerError(
            "redis-server not found on PATH; install redis-server (apt-get install redis-server) or set SMS_REDIS_SERVER"
        )
    }

    /// A CA and a server certificate for 127.0.0.1 and localhost, valid for a day.
    private func makeCertificates() throws {
        try Data("subjectAltName=IP:127.0.0.1,DNS:localhost\n".utf8).write(
            to: URL(fileURLWithPath: directory + "/san.ext"))
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(
            ["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=sms test CA"])
        try openssl(["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"])
        try openssl([
            "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "1", "-extfile", "san.ext",
        ])
    }

    private func openssl(_ arguments: [String]) throws {
        let (status, output) = try runCommand(
            "/usr/bin/env", ["openssl"] + arguments, in: directory, hint: "install openssl to run the TLS tests")
        guard status == 0 else {
            throw TestServerError("openssl \(arguments[0]) failed: \(output.suffix(1000))")
        }
    }

    /// True when something on `port` answers an inline PING like Redis (PONG, or NOAUTH when a password is set).
    static func answersPing(port: Int) -> Bool {
        guard let fd = connectLoopback(port: port, readTimeout: 1) else { return false }
        defer { close(fd) }
        guard send(fd, "PING\r\n", 6, 0) == 6 else { return false }
        var reply = [UInt8](repeating: 0, count: 64)
        let count = recv(fd, &reply, reply.count, 0)
        guard count > 0 else { return false }
        let text = String(decoding: reply[..<count], as: UTF8.self)
        return text.hasPrefix("+PONG") || text.hasPrefix("-NOAUTH")
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// A `/bin/sh` script that runs until this process writes a line to its stdin or exits (closing the pipe).
///
/// Spawned with `posix_spawn` rather than Foundation's `Process` for two reasons: the child must start with an
/// empty signal mask (the test runner's threads block SIGTERM, and redis-server, which never unblocks it, would
/// inherit that and ignore `stop()`), and the pipe must be close-on-exec so other children never hold its write
/// end open (which would keep the watchdog from seeing EOF when this process dies).
final class Watchdog: @unchecked Sendable {
    private let pid: pid_t
    private var input: Int32

    private init(pid: pid_t, input: Int32) {
        self.pid = pid
        self.input = input
    }

    deinit { finish(command: nil) }

    static func spawn(_ script: String, in directory: String) throws -> Watchdog {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw TestServerError("cannot create a pipe (errno \(errno))") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        // The script first closes every descriptor it inherited beyond stdin/out/err: Foundation's `Process` learns
        // that a child exited when its end of a socket pair closes, and a Redis holding a copy of another test's
        // socket would make that test's `waitUntilExit()` spin forever.
        let closeInherited = #"for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null"#
        let words: [String] = ["/bin/bash", "-c", closeInherited + "\ncd '\(directory)' || exit 1\n" + script]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { word in word.withCString { strdup($0) } } + [nil]
        defer { for word in argv { free(word) } }
        var pid = pid_t()
        let status = posix_spawn(&pid, "/bin/bash", &actions, &attributes, argv, environ)
        close(fds[0])
        guard status == 0 else {
            close(fds[1])
            throw TestServerError("cannot start /bin/sh for redis-server (errno \(status))")
        }
        return Watchdog(pid: pid, input: fds[1])
    }

    /// Writes `command` (if any), closes the pipe and waits for the script to end.
    func finish(command: String?) {
        guard input >= 0 else { return }
        if let command { _ = (command + "\n").withCString { write(input, $0, strlen($0)) } }
        close(input)
        input = -1
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }
}
