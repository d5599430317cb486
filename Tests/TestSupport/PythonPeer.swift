import Foundation

/// A test peer written in Python under `tests/lib/` (the SMTP server, the chat services' stand-in), on a free
/// loopback port, in a temporary folder of its own.
///
/// It runs under the same shell watchdog as ``RedisServer``, so it never outlives this process; the scripts also
/// stop by themselves after `maxSeconds`. `stop()` and `start()` keep the port and the folder, for outage tests.
public final class PythonPeer: @unchecked Sendable {
    public let port: Int
    /// The peer's folder: its log (`peer.log`) and whatever the script writes there.
    public let directory: String
    private let script: String
    private let arguments: [String]
    private let watchdog = WatchdogSlot()

    /// The repository's `tests/lib` folder, found from this source file.
    public static let library = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("tests/lib").path

    /// Starts `tests/lib/<script> --port PORT ARGUMENTS…` (`{dir}` in an argument is the peer's folder) and waits
    /// until it prints "ready". `files` (name → content) are written into the folder first, mode 0600.
    public static func launch(
        _ script: String, _ arguments: [String], files: [String: Data] = [:], maxSeconds: Int = 300
    ) async throws -> PythonPeer {
        let peer = try PythonPeer(script: script, arguments: arguments, maxSeconds: maxSeconds)
        for (name, content) in files {
            let path = peer.directory + "/" + name
            FileManager.default.createFile(atPath: path, contents: content, attributes: [.posixPermissions: 0o600])
        }
        try await peer.start()
        return peer
    }

    private init(script: String, arguments: [String], maxSeconds: Int) throws {
        port = try freePort()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sms-peer-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        directory = folder
        self.script = "\(Self.library)/\(script)"
        self.arguments =
            arguments.map { $0.replacingOccurrences(of: "{dir}", with: folder) } + [
                "--max-seconds", "\(maxSeconds)",
            ]
    }

    deinit { shutDown(keepData: false) }

    /// Starts the script on `port` (again) and waits up to 20 s for its "ready" line.
    public func start() async throws {
        let log = directory + "/peer.log"
        try watchdog.start(in: directory) {
            let words = (["python3", script, "--port", "\(port)"] + arguments).map { "'\($0)'" }.joined(separator: " ")
            try? FileManager.default.removeItem(atPath: directory + "/ready")
            return """
                \(words) >'\(directory)/ready' 2>>'\(log)' & pid=$!
                read command; kill -TERM $pid; wait $pid
                [ "$command" = stop ] || rm -rf '\(directory)'
                """
        }
        let ready = await waitUntil(timeout: .seconds(20), every: .milliseconds(50)) { [directory, port] in
            let text = (try? String(contentsOfFile: directory + "/ready", encoding: .utf8)) ?? ""
            return text.contains("ready \(port)")
        }
        guard ready else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            shutDown(keepData: true)
            throw TestServerError(
                "\(script) on port \(port) did not get ready within 20 s; its log:\n\(output.suffix(3000))")
        }
    }

    /// Stops the script (SIGTERM) and waits until it has exited; the port is free again when this returns.
    public func stop() { shutDown(keepData: true) }

    /// The peer's log (stderr), for failure messages.
    public var log: String { (try? String(contentsOfFile: directory + "/peer.log", encoding: .utf8)) ?? "" }

    private func shutDown(keepData: Bool) { watchdog.shutDown(keepData: keepData, directory: directory) }
}

/// The SMTP server of `tests/lib/smtp_server.py`: a user and password, STARTTLS or TLS with a throwaway CA
/// (`caFile`), every accepted message a file in `mailDirectory`.
public final class SMTPTestServer: Sendable {
    public let peer: PythonPeer
    public let user = "sms-alerts"
    public let password: String
    public var port: Int { peer.port }
    public var caFile: String { peer.directory + "/tls/ca.pem" }
    public var mailDirectory: String { peer.directory + "/mail" }

    /// Starts a server offering `security` (`starttls` or `tls`) and the AUTH mechanisms `auth` (`PLAIN,LOGIN`).
    public static func launch(security: String = "starttls", auth: String = "PLAIN,LOGIN") async throws
        -> SMTPTestServer
    {
        let password = "pw-" + UUID().uuidString
        let peer = try await PythonPeer.launch(
            "smtp_server.py",
            [
                "--dir", "{dir}/mail", "--tls-dir", "{dir}/tls", "--security", security, "--auth", auth,
                "--user", "sms-alerts", "--password-file", "{dir}/password",
            ], files: ["password": Data(password.utf8)])
        return SMTPTestServer(peer: peer, password: password)
    }

    private init(peer: PythonPeer, password: String) {
        self.peer = peer
        self.password = password
    }

    /// One received message: its raw text and the envelope the server recorded.
    public struct Mail: Sendable {
        public var raw: String
        public var mailFrom: String
        public var recipients: [String]
        public var login: String?
        public var encrypted: Bool
    }

    /// Every message received so far, oldest first.
    public var mails: [Mail] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: mailDirectory)) ?? []).filter {
            $0.hasSuffix(".eml")
        }.sorted()
        return names.compactMap { name in
            let stem = mailDirectory + "/" + name.dropLast(4)
            guard let raw = try? String(contentsOfFile: stem + ".eml", encoding: .utf8),
                let meta = try? JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: stem + ".json"))) as? [String: Any]
            else { return nil }
            return Mail(
                raw: raw, mailFrom: meta["mail_from"] as? String ?? "", recipients: meta["rcpt_tos"] as? [String] ?? [],
                login: meta["login"] as? String, encrypted: meta["encrypted"] as? Bool ?? false)
        }
    }
}

/// `tests/lib/http_receiver.py`: the chat and incident services' stand-in, checking each payload against the
/// service's JSON schema and answering as the service does (400 when a payload does not fit).
public final class ChannelReceiver: Sendable {
    public let peer: PythonPeer
    public var port: Int { peer.port }
    public var base: String { "http://127.0.0.1:\(peer.port)" }

    public static func launch() async throws -> ChannelReceiver {
        ChannelReceiver(peer: try await PythonPeer.launch("http_receiver.py", ["--record", "{dir}/requests.jsonl"]))
    }

    private init(peer: PythonPeer) { self.peer = peer }

    /// One request as received: the service (first path segment), path, headers (lowercased), JSON body, and the
    /// schema errors (empty when the payload fits the service's shape).
    public struct Request: @unchecked Sendable {
        public var service: String
        public var path: String
        public var headers: [String: String]
        public var body: [String: Any]
        public var errors: [String]
    }

    public var requests: [Request] {
        let text = (try? String(contentsOfFile: peer.directory + "/requests.jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            return Request(
                service: entry["service"] as? String ?? "", path: entry["path"] as? String ?? "",
                headers: entry["headers"] as? [String: String] ?? [:], body: entry["body"] as? [String: Any] ?? [:],
                errors: entry["errors"] as? [String] ?? [])
        }
    }

    public func requests(to service: String) -> [Request] { requests.filter { $0.service == service } }
}
