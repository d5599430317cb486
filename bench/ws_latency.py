#!/usr/bin/env python3
"""Latency from a sample's time to a WebSocket client: connects to the gateway's /ws, skips the snapshot, and for
each update records now − lastSampleMs of every machine whose lastSampleMs changed.

Usage: ws_latency.py ws://127.0.0.1:8080/ws --seconds 30 [--out FILE]
"""
import argparse, json, time

import websocket  # websocket-client


def quantile(s, q):
    if not s:
        return None
    return s[min(len(s) - 1, max(0, int(-(-q * len(s) // 1)) - 1))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--out")
    args = ap.parse_args()
    # skip_utf8_validation: the pure-Python check costs ~80 ms per 140 KB message and would be measured as latency
    ws = websocket.create_connection(args.url, timeout=5, skip_utf8_validation=True)
    last, lat, lag, messages, nbytes = {}, [], [], 0, 0
    end = time.time() + args.seconds
    while time.time() < end:
        try:
            raw = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        now = time.time() * 1000
        messages += 1
        nbytes += len(raw)
        msg = json.loads(raw)
        for m in msg.get("machines") or []:
            t = m.get("lastSampleMs")
            if t is None or last.get(m["id"]) == t:
                continue
            if msg.get("type") == "update" and m["id"] in last:
                lat.append(now - t)
                if m.get("lagMs") is not None:
                    lag.append(m["lagMs"])
            last[m["id"]] = t
    ws.close()
    s = sorted(lat)
    g = sorted(lag)
    out = {"updates": len(s), "messages": messages, "bytesPerSecond": nbytes / args.seconds, "machinesSeen": len(last),
           "p50": quantile(s, 0.5), "p99": quantile(s, 0.99), "p999": quantile(s, 0.999), "max": s[-1] if s else None,
           # lagMs: sample time -> the hub receiving it (the rest of the latency is the hub and the WebSocket)
           "hubLagP50": quantile(g, 0.5), "hubLagP99": quantile(g, 0.99)}
    text = json.dumps(out)
    if args.out:
        open(args.out, "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
