import Foundation
import Spec

/// The shell steps apply runs on a managed machine. Each file is written beside its final path and renamed over
/// it, so a failed copy (unreachable, disk full) leaves what was there running.
enum RemoteSteps {
    /// Copies `sms-collector` from standard input, checks its SHA-256, then replaces the installed one.
    static func installBinary(_ layout: RemoteLayout, sha256: String) -> String {
        let q = shellQuote
        let dir = (layout.binary as NSString).deletingLastPathComponent
        return """
            set -e
            umask 022
            mkdir -p \(q(dir))
            tmp=\(q(layout.binary)).new.$$
            trap 'rm -f "$tmp"' EXIT
            cat > "$tmp"
            got=$(sha256sum < "$tmp" | cut -d' ' -f1)
            [ "$got" = \(q(sha256)) ] || { echo "the copy of sms-collector is damaged (SHA-256 $got)" >&2; exit 3; }
            chmod 0755 "$tmp"
            mv -f "$tmp" \(q(layout.binary))
            trap - EXIT
            """
    }

    /// Writes standard input to `path` with `mode`, atomically.
    static func writeFile(_ path: String, mode: String, umask: String) -> String {
        let q = shellQuote
        let dir = (path as NSString).deletingLastPathComponent
        return """
            set -e
            umask \(umask)
            mkdir -p \(q(dir))
            tmp=\(q(path)).new.$$
            trap 'rm -f "$tmp"' EXIT
            cat > "$tmp"
            chmod \(mode) "$tmp"
            mv -f "$tmp" \(q(path))
            trap - EXIT
            """
    }

    /// Stops the collector (gracefully: it flushes its buffer) and waits until it has ended.
    static func stop(_ layout: RemoteLayout, _ supervisor: RemoteLayout.Supervisor) -> String {
        let q = shellQuote
        switch supervisor {
        case .systemd:
            return "systemctl stop \(q(layout.unitName)) 2>/dev/null || true"
        case .docker:
            return "docker stop -t 15 \(q(layout.container)) >/dev/null 2>&1 || true"
        case .loop:
            return """
                pid=$(cat \(q(layout.pidFile)) 2>/dev/null || true)
                alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" != Z ]; }
                if [ -n "$pid" ] && alive "$pid"; then
                    kill -TERM "$pid" 2>/dev/null || true
                    i=0
                    while alive "$pid" && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
                    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
                fi
                rm -f \(q(layout.pidFile)) \(q(layout.collectorPidFile))
                """
        }
    }

    /// Starts (or restarts) the collector and waits until its supervisor runs.
    static func start(_ layout: RemoteLayout, _ supervisor: RemoteLayout.Supervisor) -> String {
        let q = shellQuote
        switch supervisor {
        case .docker:
            return "set -e\nsh \(q(layout.dockerScript))"
        case .systemd:
            return """
                set -e
                systemctl daemon-reload
                systemctl enable --quiet \(q(layout.unitName))
                systemctl restart \(q(layout.unitName))
                """
        case .loop:
            return stop(layout, .loop) + """

                set -e
                mkdir -p \(q(layout.runDirectory)) \(q((layout.log as NSString).deletingLastPathComponent)) \(q(layout.bufferParent))
                cd /
                setsid sh \(q(layout.runScript)) >> \(q(layout.log)) 2>&1 < /dev/null &
                i=0
                while [ ! -s \(q(layout.collectorPidFile)) ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
                [ -s \(q(layout.collectorPidFile)) ] || { echo "the collector did not start; see \(layout.log)" >&2; exit 4; }
                """
        }
    }

    /// Prints the collector's log so far (to be piped).
    static func logs(_ layout: RemoteLayout, _ supervisor: RemoteLayout.Supervisor) -> String {
        switch supervisor {
        case .systemd: "journalctl -u \(shellQuote(layout.unitName)) --no-pager -o cat 2>/dev/null"
        case .docker: "docker logs \(shellQuote(layout.container)) 2>&1"
        case .loop: "cat \(shellQuote(layout.log)) 2>/dev/null"
        }
    }

    /// Stops and removes the collector's files; the binary goes when no other collector uses this prefix, the
    /// buffer only with `purge`.
    static func uninstall(_ layout: RemoteLayout, _ supervisor: RemoteLayout.Supervisor, purge: Bool) -> String {
        let q = shellQuote
        var s = stop(layout, supervisor) + "\n"
        if supervisor == .systemd {
            s += "systemctl disable --quiet \(q(layout.unitName)) 2>/dev/null || true\n"
            s += "rm -f \(q(layout.unit))\nsystemctl daemon-reload\n"
        }
        if supervisor == .docker {
            s += "docker rm -f \(q(layout.container)) >/dev/null 2>&1 || true\n"
            if purge { s += "docker volume rm \(q(layout.volume)) >/dev/null 2>&1 || true\n" }
        }
        s += "rm -f \(q(layout.runScript)) \(q(layout.dockerScript)) \(q(layout.token)) \(q(layout.ca)) \(q(layout.log))\n"
        s += """
            others=$(ls \(q(layout.etc)) 2>/dev/null | grep -E '\\.(run|token|docker)$' | head -n1 || true)
            [ -n "$others" ] || rm -f \(q(layout.binary))

            """
        if purge { s += "rm -rf \(q(layout.buffer))\n" }
        return s
    }
}
