#!/usr/bin/env bash
# The real-browser test of the test command: starts a hub, a collector of this machine and an edge relay on free
# loopback ports, then drives headless Chromium through the dashboard, directly and through the edge.
# As a user runs them: the binaries are copied alone into an empty folder and started from a third one, the spec
# lives in a temporary folder, and no --web is given: the dashboard must come from inside the binary.
# Screenshots go to test-output/browser/ (not committed). Everything it starts, it stops.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/sandbox.sh
out=$root/test-output/browser

# A cgroup of the test's own with a process in it, as a container: the machine page's Containers panel lists it
# (root only: elsewhere the panel check is skipped). Removed at exit, after its process.
export SMS_E2E_CGROUP=
cgroup_dirs=()
remove_cgroup() { for d in "${cgroup_dirs[@]:-}"; do [ -n "$d" ] && rmdir "$d" 2>/dev/null || true; done; }
trap 'cleanup; remove_cgroup' EXIT
if [ "$(id -u)" = 0 ] && { [ -w /sys/fs/cgroup/memory ] || grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; }; then
    SMS_E2E_CGROUP=/sms-e2e-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
    controllers=(memory cpu cpuacct blkio pids)
    [ -e /sys/fs/cgroup/memory/cgroup.procs ] || controllers=(.)
    join=""
    for c in "${controllers[@]}"; do
        d=/sys/fs/cgroup/$c$SMS_E2E_CGROUP
        mkdir "$d" && cgroup_dirs+=("$d")
        join+="echo \$\$ > $d/cgroup.procs; "
    done
    timeout 900 sh -c "${join}exec python3 -c 'b = b\"x\" * (32 << 20); import time; time.sleep(900)'" </dev/null >/dev/null 2>&1 &
    pids+=($!)
fi

# The fourth port is a webhook nobody listens on, so the dashboard has a failing channel to show.
read -r grpc http edge hook < <(free_ports 4)
export SMS_E2E_EDGE_TOKEN="e2e-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
# A dashboard user, declared as a user would: a hash from `smsctl passwd` (the password on stdin, never in argv).
export SMS_E2E_USER=erin
export SMS_E2E_PASSWORD="pw-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
user_entry=$(printf '%s\n' "$SMS_E2E_PASSWORD" | "$bin" passwd --name "$SMS_E2E_USER" --role admin)
cat > "$work/spec/spec.yaml" <<YAML
version: 1
name: e2e
hub:
  host: 192.0.2.1   # what nfrt would dial (never used here)
  grpc_port: $grpc
  http_port: $http
  auth:
    users:
      $user_entry
machines:
  - { id: mcrn, host: localhost, labels: { role: workstation }, containers: { include: ["/sms-e2e-*"] } }
  - { id: nfrt, host: 192.0.2.11 }
alerts:
  # Fires at once and stays firing through an idle second (0 % on this 2-core VM), so its acknowledgement holds.
  - { name: cpu_busy, metric: cpu.usage_percent, warning: 0.5, critical: 99.9, keep_firing_for: 10m, machines: [mcrn] }
notify:
  - { name: ops, webhook: "http://127.0.0.1:$hook/hook" }
edges:
  - name: public
    url: ws://127.0.0.1:$edge/ws
    token: \${SMS_E2E_EDGE_TOKEN}
    machines: [mcrn]
YAML
mkdir -p "$work/spec/.sms/e2e/secrets"
echo "e2e-token-mcrn" > "$work/spec/.sms/e2e/secrets/mcrn.token"

cd "$work/cwd"
"$bin" run edge --listen "127.0.0.1:$edge" --token-env SMS_E2E_EDGE_TOKEN >"$work/edge.log" 2>&1 &
pids+=($!)
"$bin" run hub --spec "$work/spec/spec.yaml" --bind 127.0.0.1 >"$work/hub.log" 2>&1 &
hub_pid=$!
pids+=($hub_pid)
"$work/bin/sms-collector" --spec "$work/spec/spec.yaml" --machine mcrn >"$work/collector.log" 2>&1 &
collector_pid=$!
pids+=($collector_pid)
cd "$root"

# The API needs login: ask with the CLI's token, which the hub creates in the state directory at start, over
# HTTPS verified against the CA the hub generated there (hub.tls: auto, the default).
token_file=$work/spec/.sms/e2e/secrets/api.token
ca_file=$work/spec/.sms/e2e/tls/ca.pem
ready=0
for _ in $(seq 1 100); do
    if [ -s "$token_file" ] && [ -s "$ca_file" ] && python3 -c 'import ssl, sys, urllib.request
r = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + open(sys.argv[2]).read().strip()})
c = ssl.create_default_context(cafile=sys.argv[3])
sys.exit(0 if b"lastSampleMs" in urllib.request.urlopen(r, timeout=2, context=c).read() else 1)' \
        "https://127.0.0.1:$http/api/machines" "$token_file" "$ca_file" 2>/dev/null; then ready=1; break; fi
    sleep 0.2
done
# Chromium trusts the hub's certificate by its public key's hash (what importing the CA would do for a person).
SMS_E2E_SPKI=$(openssl x509 -in "$work/spec/.sms/e2e/tls/hub.pem" -pubkey -noout | openssl pkey -pubin -outform der \
    | openssl dgst -sha256 -binary | base64)
export SMS_E2E_SPKI
if [ $ready = 0 ]; then
    echo "e2e: the hub has no data from the collector" >&2
    tail -n 20 "$work/hub.log" "$work/collector.log" >&2
    exit 1
fi

# A gap for the machine page to show: the collector stopped for 6 s (machine down), then started again.
kill -TERM "$collector_pid"
for _ in $(seq 1 100); do kill -0 "$collector_pid" 2>/dev/null || break; sleep 0.1; done
sleep 6
(cd "$work/cwd" && exec "$work/bin/sms-collector" --spec "$work/spec/spec.yaml" --machine mcrn >>"$work/collector.log" 2>&1) &
pids+=($!)

status=0
echo "--- dashboard at the hub"
tests/browser/run.sh "https://127.0.0.1:$http" "$out/hub" || status=1
# The silences set from the pages are the ones the CLI lists, and status shows them.
silences=$("$bin" silence list --spec "$work/spec/spec.yaml" || true)
count=$("$bin" silence list --spec "$work/spec/spec.yaml" -o json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
if echo "$silences" | grep -q "planned load test" && echo "$silences" | grep -q "from the machine page" && [ "$count" = 2 ]; then
    echo "ok   smsctl silence list shows both silences set in the dashboard, each once"
else
    echo "FAIL the silences set in the dashboard are not in smsctl silence list, once each ($count):" >&2
    echo "$silences" >&2
    status=1
fi
report=$("$bin" status "$work/spec/spec.yaml" 2>&1 || true)
if echo "$report" | grep -qi "silence" && echo "$report" | grep -q "planned load test"; then
    echo "ok   smsctl status shows the silence"
else
    echo "FAIL smsctl status does not show the silence:" >&2
    echo "$report" >&2
    status=1
fi
echo "--- the hub restarted: sparklines drawn from history at once"
echo "     the hub ran $(curl -sf --cacert "$ca_file" "https://127.0.0.1:$http/healthz" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["uptimeSeconds"]))') s before the restart"
kill -TERM "$hub_pid"
for _ in $(seq 1 100); do kill -0 "$hub_pid" 2>/dev/null || break; sleep 0.1; done
# Away for 6 s: the collector's buffer back-fills them once the hub is back (a back-filled gap on the charts).
sleep 6
(cd "$work/cwd" && exec "$bin" run hub --spec "$work/spec/spec.yaml" --bind 127.0.0.1 >>"$work/hub.log" 2>&1) &
hub_pid=$!
pids+=($hub_pid)
for _ in $(seq 1 100); do
    curl -sf --cacert "$ca_file" "https://127.0.0.1:$http/healthz" >/dev/null && break
    sleep 0.1
done
python3 tests/browser/check_dashboard.py "https://127.0.0.1:$http" "$out/hub-restarted" --restarted mcrn || status=1
echo "--- dashboard through the edge (read-only, redacted)"
SMS_E2E_USER= tests/browser/run.sh "http://127.0.0.1:$edge" "$out/edge" --public mcrn || status=1
if [ $status != 0 ]; then
    echo "e2e: logs follow" >&2
    tail -n 30 "$work/hub.log" "$work/edge.log" >&2
    echo "browser: 0 passed, 1 failed"
    exit 1
fi
echo "browser: 2 passed, 0 failed"
