#!/usr/bin/env bash
# The HTTP API against its own document: starts a hub as a user gets it (TLS and login by default, binaries copied
# alone, spec in a temporary folder) with a collector of this machine, fetches the OpenAPI document the hub serves
# at /api/openapi.json, and runs schemathesis (PyPI) on every route with it: no 5xx, every status and body as
# documented. Logged in with the CLI's token, passed through the environment (never on a command line).
#
#   tests/api/check.sh [--max-examples N]
set -euo pipefail
cd "$(dirname "$0")/../.."
examples=${2:-40}
python3 -c 'import schemathesis' 2>/dev/null || python3 -m pip install -q schemathesis
source tests/lib/sandbox.sh

read -r grpc http < <(free_ports 2)
cat > "$work/spec/spec.yaml" <<YAML
version: 1
name: api
hub: { host: 192.0.2.1, grpc_port: $grpc, http_port: $http }   # what nfrt would dial (never used here)
machines:
  - { id: mcrn, host: localhost, labels: { role: workstation } }
  - { id: nfrt, host: 192.0.2.11 }
alerts:
  - { name: cpu_busy, metric: cpu.usage_percent, warning: 0.5, critical: 99.9, machines: [mcrn] }
YAML
mkdir -p "$work/spec/.sms/api/secrets"
(umask 077; od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$work/spec/.sms/api/secrets/mcrn.token")
(cd "$work/cwd" && exec "$bin" run hub --spec "$work/spec/spec.yaml" --bind 127.0.0.1 >"$work/hub.log" 2>&1) &
pids+=($!)
(cd "$work/cwd" && exec "$work/bin/sms-collector" --spec "$work/spec/spec.yaml" --machine mcrn >"$work/collector.log" 2>&1) &
pids+=($!)

state=$work/spec/.sms/api
ca=$state/tls/ca.pem
# The token goes to curl in a header file and to schemathesis through its environment.
ready=0
for _ in $(seq 1 150); do
    if [ -s "$state/secrets/api.token" ] && [ -s "$ca" ]; then
        printf 'Authorization: Bearer %s\n' "$(cat "$state/secrets/api.token")" > "$work/auth.header"
        if curl -sf --cacert "$ca" -H @"$work/auth.header" "https://127.0.0.1:$http/api/machines" | grep -q lastSampleMs; then
            ready=1; break
        fi
    fi
    sleep 0.2
done
if [ $ready = 0 ]; then
    echo "api: the hub has no data from the collector" >&2
    tail -n 20 "$work/hub.log" "$work/collector.log" >&2
    exit 1
fi
# The document is served by the hub itself, behind the login like the rest of /api.
curl -sf --cacert "$ca" -H @"$work/auth.header" "https://127.0.0.1:$http/api/openapi.json" -o "$work/openapi.json"
unauthenticated=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" "https://127.0.0.1:$http/api/openapi.json")
[ "$unauthenticated" = 401 ] || { echo "api: /api/openapi.json without login answered $unauthenticated" >&2; exit 1; }

export SMS_API_TOKEN
SMS_API_TOKEN=$(cat "$state/secrets/api.token")
cat > "$work/schemathesis.toml" <<'TOML'
headers = { Authorization = "Bearer ${SMS_API_TOKEN}" }
TOML
status=0
# From the work folder: schemathesis keeps a cache in the current directory, which must not be the repository.
cd "$work/cwd"
schemathesis --config-file "$work/schemathesis.toml" run "https://127.0.0.1:$http/api/openapi.json" \
    --tls-verify "$ca" --url "https://127.0.0.1:$http" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$examples" --seed 1 --generation-deterministic --request-timeout 10 \
    --report har --report-dir "$work/report" || status=1
# The token reached the hub: most answers are not 401 (a run of 401s would test nothing).
python3 - "$work/report" <<'PY' || status=1
import json, pathlib, sys
codes = []
for har in pathlib.Path(sys.argv[1]).glob("har-*"):
    codes += [e["response"]["status"] for e in json.load(open(har))["log"]["entries"]]
ok = sum(1 for c in codes if c < 300)
print(f"api: {len(codes)} requests, {ok} answered 2xx, {codes.count(401)} 401, {sum(1 for c in codes if c >= 500)} 5xx")
sys.exit(0 if codes and ok >= len(codes) // 5 and not any(c >= 500 for c in codes) else 1)
PY
if [ $status != 0 ]; then
    tail -n 30 "$work/hub.log" >&2
    echo "api: schemathesis found failures"
    exit 1
fi
echo "api: the hub answers as its OpenAPI document says"
