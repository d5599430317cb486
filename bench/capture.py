#!/usr/bin/env python3
"""Records one machine's raw history from a live hub as the capture fixture the storage tests compress.

    bench/capture.py --hub https://127.0.0.1:8080 --ca .sms/home/tls/ca.pem --machine mcrn --minutes 61 \
        --out Tests/ServicesTests/Fixtures/capture/proc-hour.txt.gz

Run it once the hub has kept at least that many minutes of the machine (hub.auth: none, or pass --token-file).
The fixture is text (gzip), so it does not depend on sms's own codecs: `s <series>` lines declare series 0, 1, 2…,
then one line per batch: milliseconds since the previous batch (the first: since the epoch) and `<index>=<value>`
pairs, each value the shortest text that reads back as the same double.
"""
import argparse, gzip, json, ssl, time, urllib.parse, urllib.request

parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
parser.add_argument("--hub", required=True)
parser.add_argument("--ca", help="the hub's CA (PEM); default: the system's roots")
parser.add_argument("--token-file", help="a file holding a CLI token (a hub with login)")
parser.add_argument("--machine", required=True)
parser.add_argument("--minutes", type=int, default=61)
parser.add_argument("--out", required=True)
args = parser.parse_args()
context = ssl.create_default_context(cafile=args.ca)
headers = {}
if args.token_file:
    headers["Authorization"] = "Bearer " + open(args.token_file).read().strip()


def get(path):
    request = urllib.request.Request(args.hub + path, headers=headers)
    with urllib.request.urlopen(request, context=context, timeout=60) as response:
        return json.load(response)


def canonical(series):
    labels = series["labels"]
    if not labels:
        return series["metric"]
    escaped = (labels[k].replace("\\", "\\\\").replace('"', '\\"') for k in sorted(labels))
    return series["metric"] + "{" + ",".join(f'{k}="{v}"' for k, v in zip(sorted(labels), escaped)) + "}"


to_ms = int(time.time() * 1000)
from_ms = to_ms - args.minutes * 60_000
rows, names = {}, []
for series in sorted(get(f"/api/machines/{urllib.parse.quote(args.machine)}")["series"], key=canonical):
    query = {"machine": args.machine, "metric": series["metric"], "from": from_ms, "to": to_ms, "tier": "raw",
             "step": "1000"}
    if series["labels"]:
        query["labels"] = ",".join(f"{k}:{v}" for k, v in sorted(series["labels"].items()))
    found = [s for s in get("/api/history?" + urllib.parse.urlencode(query))["series"] if s["series"]["labels"] == series["labels"]]
    if not found or not found[0]["points"]:
        continue
    index = len(names)
    names.append(canonical(series))
    for point in found[0]["points"]:
        rows.setdefault(point["t"], {})[index] = point["value"]
samples = sum(len(row) for row in rows.values())
with gzip.open(args.out, "wt", compresslevel=9) as out:
    out.write(f"# sms capture: one machine's series as its collector sent them, {len(rows)} batches, "
              f"{len(names)} series, {samples} samples\n")
    out.write("# s <series> declares series 0, 1, 2…; a batch: <ms since the previous batch> <index>=<value> …\n")
    for name in names:
        out.write(f"s {name}\n")
    last = None
    for t in sorted(rows):
        row = rows[t]
        out.write(str(t if last is None else t - last) + " " + " ".join(f"{i}={row[i]!r}" for i in sorted(row)) + "\n")
        last = t
print(f"{args.out}: {len(rows)} batches, {len(names)} series, {samples} samples")
