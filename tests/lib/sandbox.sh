# Sourced by the end-to-end scripts (tests/browser/e2e.sh, tests/api/check.sh): the binaries copied alone into a
# temporary folder (as a user installs them, so nothing is found beside the repository), folders for the spec and
# the working directory, and everything started (its pid in `pids`) stopped and removed at exit.
#   Sets: root (the repository), work, bin (smsctl), pids.   Gives: free_ports N.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
mkdir -p "$work/bin" "$work/spec" "$work/cwd"
cp "${SMSCTL_BIN:-$root/.build/debug/smsctl}" "$work/bin/smsctl"
cp "${SMS_COLLECTOR_BIN:-$root/.build/debug/sms-collector}" "$work/bin/sms-collector"
bin=$work/bin/smsctl
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# free_ports N: N distinct free loopback ports, held open together while picked (one at a time, the kernel may
# hand one out twice), on one line.
free_ports() {
    python3 -c 'import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])' "$1"
}
