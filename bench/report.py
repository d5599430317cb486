#!/usr/bin/env python3
"""Collects bench/run's work files into one JSON document and prints the table. Usage: report.py WORKDIR OUT.json"""
import glob, json, os, platform, subprocess, sys, time

work, out = sys.argv[1], sys.argv[2]


def load(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return None


def f(v, fmt="{:.1f}"):
    return "-" if v is None else fmt.format(v)


cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
doc = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": {"cpu": cpu_model, "cores": os.cpu_count(),
       "memGiB": round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30, 1), "kernel": platform.release()}}
rows = []

c = load(f"{work}/collector/proc.json")
if c:
    p = c["processes"]
    col, ne, scr = p["collector"], p["node_exporter"], p["scraper"]
    per_min = lambda x: x["cpuSeconds"] / c["wallSeconds"] * 60
    doc["collector"] = {"windowSeconds": c["wallSeconds"], "collector": col, "nodeExporter": ne, "scraper": scr,
                        "collectorCpuSecondsPerMinute": per_min(col), "nodeExporterCpuSecondsPerMinute": per_min(ne),
                        "cpuRatio": per_min(col) / per_min(ne) if ne["cpuSeconds"] else None,
                        "rssRatio": col["rssKB"] / ne["rssKB"] if ne["rssKB"] else None,
                        "othersBusyShare": c["machine"]["othersBusyShare"]}
    for key, name in [("binaryBytes", "collector_bytes"), ("strippedBinaryBytes", "collector_stripped_bytes"),
                      ("containers", "containers")]:
        try:
            doc["collector"][key] = int(open(f"{work}/collector/{name}").read())
        except (OSError, ValueError):
            pass
    k = doc["collector"]
    rows.append((f"collector CPU s/min{' (' + str(k['containers']) + ' containers)' if k.get('containers') else ''} | node_exporter CPU s/min (ratio)",
                 f"{per_min(col):.2f} | {per_min(ne):.2f} ({f(k['cpuRatio'], '{:.2f}')}×)"))
    rows.append(("collector RSS / peak | node_exporter RSS / peak (MiB)",
                 f"{col['rssKB']/1024:.1f} / {col['peakRssKB']/1024:.1f} | {ne['rssKB']/1024:.1f} / {ne['peakRssKB']/1024:.1f}"))
    rows.append(("  others busy during collector phase", f"{k['othersBusyShare']*100:.1f}%"))
    if "binaryBytes" in k:
        rows.append(("sms-collector static binary, as built | stripped (MiB)",
                     f"{k['binaryBytes']/2**20:.1f} | {k.get('strippedBinaryBytes', 0)/2**20:.1f}"))

doc["ingest"] = []
# ingest-N: embedded state and history; ingest-pg-N: Redis state + PostgreSQL history; -jittered-: each simulated
# collector at its own phase instead of all on the same wall-clock second.
def ingest_key(path):
    name = os.path.basename(path)
    return (name.startswith("ingest-pg-"), "-jittered-" in name, int(name.rsplit("-", 1)[1]))


for d in sorted(glob.glob(f"{work}/ingest-*"), key=ingest_key):
    pg, jittered, n = ingest_key(d)
    lo, ws, pr, hi = load(f"{d}/load.json"), load(f"{d}/ws.json"), load(f"{d}/proc.json"), load(f"{d}/history.json")
    e = {"machines": n, "backend": "redis+postgres" if pg else "embedded",
         "schedule": "jittered" if jittered else "aligned", "load": lo, "ws": ws, "proc": pr, "history": hi}
    label = f"N={n}{' redis+pg' if pg else ''}{' jittered' if jittered else ''}"
    if lo and pr:
        hub = pr["processes"]["hub"]
        acked_in_window = lo["ackedSamplesPerSecond"] * pr["wallSeconds"]
        e["hubCpuSecondsPerMillionSamples"] = hub["cpuSeconds"] / (acked_in_window / 1e6) if acked_in_window else None
        e["hubCpuShare"] = hub["cpuShare"]
        e["hubRssMiB"] = hub["rssKB"] / 1024
        e["hubPeakRssMiB"] = hub["peakRssKB"] / 1024
        e["othersBusyShare"] = pr["machine"]["othersBusyShare"]
        e["loadGeneratorCpuShare"] = pr["processes"]["load"]["cpuShare"]
        e["wsClientCpuShare"] = pr["processes"]["ws"]["cpuShare"]
        a = lo["ackLatencyMs"]
        rows.append((f"{label}: samples/s acked (sent) | loss", f"{lo['ackedSamplesPerSecond']:.0f} ({lo['sentSamplesPerSecond']:.0f}) | {lo['lossSamples']} samples, {lo['streamErrors']} stream errors"))
        rows.append((f"{label}: hub CPU s/M samples | hub CPU | RSS (peak) MiB",
                     f"{f(e['hubCpuSecondsPerMillionSamples'], '{:.2f}')} | {hub['cpuShare']*100:.0f}% of a core | {e['hubRssMiB']:.0f} ({e['hubPeakRssMiB']:.0f})"))
        rows.append((f"{label}: ack latency p50/p99/p99.9 ms", f"{f(a['p50'], '{:.0f}')} / {f(a['p99'], '{:.0f}')} / {f(a['p999'], '{:.0f}')}"))
        if ws:
            rows.append((f"{label}: WebSocket latency p50/p99/p99.9 ms", f"{f(ws['p50'], '{:.0f}')} / {f(ws['p99'], '{:.0f}')} / {f(ws['p999'], '{:.0f}')} ({ws['updates']} updates)"))
            if ws.get("hubLagP50") is not None:
                rows.append((f"{label}:   of which sample→hub receipt p50/p99 ms", f"{f(ws['hubLagP50'], '{:.0f}')} / {f(ws['hubLagP99'], '{:.0f}')}"))
        rows.append((f"{label}: wire B/sample | history B/sample (raw tier; file)",
                     f"{lo['wireBytesPerSample']:.2f} | {f((hi or {}).get('rawBytesPerSample'), '{:.2f}')}; {f((hi or {}).get('fileBytesPerSample'), '{:.2f}')}"))
        if pg:
            e["postgresRowsPerSecond"] = lo["ackedSamplesPerSecond"] / max(1, lo.get("metrics", 40))
            rows.append((f"{label}: PostgreSQL rows/s (samples/s) written", f"{e['postgresRowsPerSecond']:.0f} ({lo['ackedSamplesPerSecond']:.0f})"))
        rows.append((f"{label}: load gen | ws client | others busy", f"{e['loadGeneratorCpuShare']*100:.0f}% | {e['wsClientCpuShare']*100:.0f}% | {e['othersBusyShare']*100:.1f}% of the machine"))
    doc["ingest"].append(e)

# store: several `smsctl bench store` processes (one per aggregator) writing into one PostgreSQL.
aggs = sorted(glob.glob(f"{work}/store/agg-*.json"))
if aggs:
    reports = [load(p) for p in aggs]
    pr, hi = load(f"{work}/store/proc.json"), load(f"{work}/store/history.json") or {}
    ok = [r for r in reports if r]
    st = {"aggregators": len(aggs), "reports": reports, "proc": pr, "history": hi}
    if ok:
        sent = sum(r["samplesSent"] for r in ok)
        stored = sum(r["samplesStored"] for r in ok)
        seconds = max(r["seconds"] for r in ok)
        st.update({"machines": sum(r["machines"] for r in ok), "samplesSent": sent, "samplesStored": stored,
                   "storedSamplesPerSecond": stored / seconds, "lostSamples": sent - stored,
                   "samplesInDatabase": hi.get("samples"), "bytesPerSample": hi.get("rawBytesPerSample"),
                   "finalLagMs": max(r["finalLagMs"] for r in ok),
                   "appendP99Ms": max(r["appendMs"]["p99"] or 0 for r in ok)})
        rows.append((f"store {len(aggs)} aggregators × {ok[0]['machines']} machines: samples/s stored | lost | in database",
                     f"{st['storedSamplesPerSecond']:.0f} | {sent - stored} | {hi.get('samples')} (acked {stored})"))
        rows.append(("store: PostgreSQL B/sample (raw tier) | append p99 | final lag",
                     f"{f(hi.get('rawBytesPerSample'), '{:.2f}')} | {st['appendP99Ms']:.0f} ms | {st['finalLagMs']:.0f} ms"))
        if pr:
            shares = " + ".join(f"{v['cpuShare']*100:.0f}%" for k, v in sorted(pr["processes"].items()) if k.startswith("agg"))
            rows.append(("store: aggregators | postgres CPU (of a core)", f"{shares} | {pr['processes']['postgres']['cpuShare']*100:.0f}%"))
    doc["store"] = st

h = load(f"{work}/cli/hyperfine.json")
if h:
    doc["cli"] = [{"command": r["command"], "meanMs": r["mean"] * 1000, "medianMs": r["median"] * 1000,
                   "minMs": r["min"] * 1000, "maxMs": r["max"] * 1000} for r in h["results"]]
    for r in doc["cli"]:
        rows.append((f"{r['command']}", f"{r['meanMs']:.1f} ms mean, {r['minMs']:.1f}–{r['maxMs']:.1f}"))

db = load(f"{work}/dashboard/dashboard.json")
if db is not None:
    doc["dashboard"] = {"dashboard": db, "load": load(f"{work}/dashboard/load.json")}
    if db:
        rows.append((f"dashboard {db['cards']} cards: browser CPU", f"{db['browserCpuShare']*100:.0f}% of a core ({db['chromiumProcesses']} processes, RSS {db['browserRssKB']/1024:.0f} MiB)"))
        rows.append(("dashboard sample→DOM p50/p99/p99.9 ms", f"{f(db['p50'], '{:.0f}')} / {f(db['p99'], '{:.0f}')} / {f(db['p999'], '{:.0f}')} ({db['domUpdates']} card updates)"))

json.dump(doc, open(out, "w"), indent=1)
w = max((len(r[0]) for r in rows), default=0)
print(f"sms bench — {doc['date']} — {cpu_model}, {os.cpu_count()} cores")
for k, v in rows:
    print(f"  {k.ljust(w)}  {v}")
print(f"  -> {out}")
