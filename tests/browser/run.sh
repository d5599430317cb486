#!/bin/sh
# Browser check of the dashboard against a running hub: cards appear, values change live, the machine view
# draws charts from history. Screenshots of each view go to OUTDIR.
#
#   tests/browser/run.sh http://127.0.0.1:8080 /tmp/sms-shots
#
# Installs what is missing: Debian's chromium + chromium-driver (apt) and selenium (pip).
set -eu
URL=${1:?usage: run.sh URL OUTDIR}
OUT=${2:?usage: run.sh URL OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y --no-install-recommends chromium chromium-driver
fi
if ! python3 -c 'import selenium' >/dev/null 2>&1; then
    python3 -m pip install --quiet selenium
fi
mkdir -p "$OUT"
shift 2
exec python3 "$HERE/check_dashboard.py" "$URL" "$OUT" "$@"
