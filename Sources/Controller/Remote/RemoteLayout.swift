import Spec

/// Where a managed machine's collector lives on that machine, and the files apply writes there. Everything is
/// under the machine's `ssh.prefix` except the systemd unit, which systemd looks for in /etc/systemd/system.
public struct RemoteLayout: Sendable, Equatable {
    public let machine: String
    public let prefix: String

    public init(machine: String, prefix: String) {
        self.machine = machine
        self.prefix = prefix
    }

    public var binary: String { "\(prefix)/bin/sms-collector" }
    public var etc: String { "\(prefix)/etc/sms" }
    public var token: String { "\(etc)/\(machine).token" }
    /// The CA the collector verifies the hub against (public; one per machine, like its token).
    public var ca: String { "\(etc)/\(machine).ca.pem" }
    /// The supervisor script where systemd does not run (containers, minimal hosts).
    public var runScript: String { "\(etc)/\(machine).run" }
    /// With `runtime: docker`: the script that (re)creates the container, and the container's names.
    public var dockerScript: String { "\(etc)/\(machine).docker" }
    public var container: String { "sms-collector-\(machine)" }
    public var volume: String { "sms-buffer-\(machine)" }
    public var unit: String { "/etc/systemd/system/\(unitName)" }
    public var unitName: String { "sms-collector-\(machine).service" }
    public var bufferParent: String { "\(prefix)/var/lib/sms/buffer" }
    public var buffer: String { "\(bufferParent)/\(machine)" }
    public var runDirectory: String { "\(prefix)/var/run/sms" }
    public var pidFile: String { "\(runDirectory)/\(machine).pid" }
    public var collectorPidFile: String { "\(runDirectory)/\(machine).collector.pid" }
    public var log: String { "\(prefix)/var/log/sms/\(machine).log" }

    /// A container reads the machine's `textfile_dir` (given in `flags`) at the same path, read-only.
    func textfileMount(_ flags: [String]) -> String {
        guard let at = flags.firstIndex(of: "--textfile-dir"), at + 1 < flags.count else { return "" }
        return "\n    -v \(shellQuote(flags[at + 1])):\(shellQuote(flags[at + 1])):ro \\"
    }

    /// How the collector is kept running on that machine.
    public enum Supervisor: String, Sendable, Codable {
        /// A systemd unit (`Restart=always`), enabled at boot.
        case systemd
        /// A shell loop started in its own session, restarting the collector a second after it exits.
        case loop
        /// A container of the sms image (`runtime: docker`), restarted by Docker unless stopped.
        case docker
    }

    /// The file that runs the collector under `supervisor`.
    public func configFile(_ supervisor: Supervisor) -> String {
        switch supervisor {
        case .systemd: unit
        case .loop: runScript
        case .docker: dockerScript
        }
    }

    /// The collector's command line: the spec's flags (the same as the rendered script's) plus this layout's
    /// token file and buffer. No secret is in it: the token is read from its file.
    public func command(flags: [String]) -> [String] {
        [binary] + flags + ["--token-file", token, "--buffer-dir", bufferParent]
    }

    /// The file that runs the collector: a systemd unit, or the supervisor script. Its first lines name the flags,
    /// so `plan` can show what changes.
    public func config(flags: [String], supervisor: Supervisor, spec: String, image: String = CollectorRuntime.defaultImage) -> String {
        let line = command(flags: flags).map(shellQuote).joined(separator: " ")
        let banner = """
            # Written by `smsctl apply` for machine \(machine) (spec \(spec)); apply rewrites it: change the spec.
            # sms-flags: \(commentText(flags.map(shellQuote).joined(separator: " ")))

            """
        switch supervisor {
        case .systemd:
            return banner + """
                [Unit]
                Description=sms collector (machine \(machine))
                After=network-online.target
                Wants=network-online.target

                [Service]
                ExecStart=\(systemdEscape(line))
                Restart=always
                RestartSec=1
                KillSignal=SIGTERM
                TimeoutStopSec=15

                [Install]
                WantedBy=multi-user.target

                """
        case .docker:
            let q = shellQuote
            return "#!/bin/sh\n" + banner + """
                # runtime: docker — the image's sms-collector with the host's network, /proc and /sys (read-only).
                set -e
                docker rm -f \(q(container)) >/dev/null 2>&1 || true
                docker run -d --name \(q(container)) --restart unless-stopped --network host --pid host \\
                    -v /proc:/host/proc:ro -v /sys:/host/sys:ro -v \(q(volume)):/var/lib/sms \\
                    -v \(q(token)):/run/secrets/sms-token:ro \\\(flags.contains(ca) ? "\n    -v \(q(ca)):\(q(ca)):ro \\" : "")\(textfileMount(flags))
                    --entrypoint /usr/local/bin/sms-collector \(q(image)) \(flags.map(shellQuote).joined(separator: " ")) \\
                    --token-file /run/secrets/sms-token --proc-root /host/proc --sys-root /host/sys \\
                    --buffer-dir /var/lib/sms/buffer

                """
        case .loop:
            return "#!/bin/sh\n" + banner + """
                # No systemd here: this loop keeps the collector running and restarts it a second after it exits.
                # SIGTERM stops the collector gracefully (it flushes its buffer), then the loop.
                echo $$ > \(shellQuote(pidFile))
                trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; rm -f \(shellQuote(pidFile)) \(shellQuote(collectorPidFile)); exit 0' TERM INT
                while :; do
                    \(line) &
                    child=$!
                    echo "$child" > \(shellQuote(collectorPidFile))
                    wait "$child"
                    sleep 1
                done

                """
        }
    }
}
