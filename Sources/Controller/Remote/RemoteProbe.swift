import Foundation
import Spec

/// What is on a managed machine now, read over ssh in one round trip: nothing secret comes back (the token's
/// SHA-256, never the token).
public struct RemoteObserved: Sendable, Equatable {
    public var arch: String = ""
    public var supervisor: RemoteLayout.Supervisor = .loop
    /// SHA-256 of the installed binary, nil when there is none.
    public var binarySHA: String?
    public var version: String?
    public var configSHA: String?
    /// The `sms-flags:` line of the installed unit or script.
    public var flags: String?
    public var tokenSHA: String?
    /// SHA-256 of the CA file there.
    public var caSHA: String?
    /// The supervisor's pid (loop) or the unit's main pid (systemd), when running.
    public var runningPid: Int?
    /// Free space where the binary goes, in KiB.
    public var freeKiB: Int?
    /// Whether a `docker` command exists there.
    public var hasDocker = false

    public var isInstalled: Bool { binarySHA != nil || configSHA != nil }
}

/// Reads `RemoteObserved` with one shell script.
public enum RemoteProbe {
    static func script(_ layout: RemoteLayout, docker: Bool) -> String {
        let q = shellQuote
        return """
            set -u
            echo "arch=$(uname -m)"
            if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then sup=systemd; else sup=loop; fi
            command -v docker >/dev/null 2>&1 && echo "docker=1"
            \(docker ? "sup=docker" : "")
            echo "supervisor=$sup"
            if [ -f \(q(layout.binary)) ]; then
                echo "binary=$(sha256sum < \(q(layout.binary)) | cut -d' ' -f1)"
                echo "version=$(\(q(layout.binary)) --version 2>/dev/null | head -n1)"
            fi
            case "$sup" in systemd) conf=\(q(layout.unit)) ;; docker) conf=\(q(layout.dockerScript)) ;; *) conf=\(q(layout.runScript)) ;; esac
            if [ -f "$conf" ]; then
                echo "config=$(sha256sum < "$conf" | cut -d' ' -f1)"
                echo "flags=$(sed -n 's/^# sms-flags: //p' "$conf" | head -n1)"
            fi
            [ -f \(q(layout.token)) ] && echo "token=$(sha256sum < \(q(layout.token)) | cut -d' ' -f1)"
            [ -f \(q(layout.ca)) ] && echo "ca=$(sha256sum < \(q(layout.ca)) | cut -d' ' -f1)"
            if [ "$sup" = docker ]; then
                state=$(docker inspect -f '{{.State.Running}} {{.State.Pid}}' \(q(layout.container)) 2>/dev/null || true)
                case "$state" in "true "*) echo "running=${state#true }" ;; esac
            elif [ "$sup" = systemd ]; then
                if systemctl is-active --quiet \(q(layout.unitName)); then
                    echo "running=$(systemctl show -p MainPID --value \(q(layout.unitName)))"
                fi
            else
                pid=$(cat \(q(layout.pidFile)) 2>/dev/null || true)
                # A zombie (state Z) is a process that has ended.
                if [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] && [ "$(sed 's/.*) //' "/proc/$pid/stat" | cut -c1)" != Z ]; then
                    echo "running=$pid"
                fi
            fi
            d=\(q(layout.prefix)); while [ ! -d "$d" ]; do d=$(dirname "$d"); done
            echo "free=$(df -Pk "$d" | awk 'NR==2 {print $4}')"
            echo "probe=ok"
            """
    }

    /// Probes the machine; throws when ssh cannot get there or the script does not finish.
    public static func observe(_ ssh: SSHClient, _ layout: RemoteLayout, docker: Bool = false) async throws -> RemoteObserved {
        let result = try await ssh.run(script(layout, docker: docker), timeout: .seconds(30))
        let fields = parse(result.output)
        guard fields["probe"] == "ok" else {
            let why = result.errors.split(separator: "\n").last.map(String.init) ?? "exit status \(result.status)"
            throw RemoteError("cannot read the state of \(ssh.access.description): \(why)")
        }
        var observed = RemoteObserved()
        observed.arch = fields["arch"] ?? ""
        observed.supervisor = RemoteLayout.Supervisor(rawValue: fields["supervisor"] ?? "") ?? .loop
        observed.hasDocker = fields["docker"] == "1"
        observed.binarySHA = fields["binary"]
        observed.version = fields["version"].flatMap { $0.isEmpty ? nil : $0 }
        observed.configSHA = fields["config"]
        observed.flags = fields["flags"]
        observed.tokenSHA = fields["token"]
        observed.caSHA = fields["ca"]
        observed.runningPid = fields["running"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        observed.freeKiB = fields["free"].flatMap { Int($0) }
        return observed
    }

    static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }
}
