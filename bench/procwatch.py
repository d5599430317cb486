#!/usr/bin/env python3
"""Measures processes over a window from /proc: CPU seconds, RSS and peak RSS (VmHWM), and the machine's busy
share from everything else (from /proc/stat minus the measured processes), so a noisy run shows.

CPU seconds come from a cpuacct cgroup per target when this runs as root with cgroup v1's cpuacct (nanoseconds of
scheduler time, children included); otherwise from utime+stime in /proc/PID/stat, which the kernel charges a
whole tick at a time by sampling: for a process that wakes for a millisecond on every wall-clock second, as a
collector does, that is a coarse and possibly biased figure.

Usage: procwatch.py --seconds S --out FILE LABEL=PID [LABEL=tree:PID ...]   (tree: the PID and all descendants)
"""
import argparse, json, os, time

HZ = os.sysconf("SC_CLK_TCK")


def children():
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except OSError:
                pass
    return kids


def pids_of(spec):
    if not spec.startswith("tree:"):
        return [int(spec)]
    root, kids, out = int(spec[5:]), children(), []
    stack = [root]
    while stack:
        p = stack.pop()
        out.append(p)
        stack += kids.get(p, [])
    return out


def cpu_ticks(pid):
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])  # utime, stime
    except OSError:
        return None


def status_kb(pid, key):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def system_ticks():
    f = [int(x) for x in open("/proc/stat").readline().split()[1:9]]
    total = sum(f)
    return total, total - f[3] - f[4]  # total, busy (not idle, not iowait)


CPUACCT = "/sys/fs/cgroup/cpuacct"


class Cgroups:
    """One cpuacct cgroup per target, removed again (its processes moved back to where they were) at the end."""

    def __init__(self, targets):
        self.paths, self.origin = {}, {}
        if os.geteuid() != 0 or not os.path.exists(f"{CPUACCT}/cgroup.procs"):
            return
        try:
            for label, spec in targets.items():
                path = f"{CPUACCT}/sms-bench-{os.getpid()}-{label}"
                os.mkdir(path)
                self.paths[label] = path
                for p in pids_of(spec):
                    self.origin[p] = self.current(p)
                    with open(f"{path}/cgroup.procs", "w") as f:
                        f.write(str(p))
        except OSError:
            self.close()
            self.paths = {}

    @staticmethod
    def current(pid):
        for line in open(f"/proc/{pid}/cgroup"):
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if "cpuacct" in controllers.split(","):
                return path
        return "/"

    def seconds(self, label):
        return int(open(f"{self.paths[label]}/cpuacct.usage").read()) / 1e9

    def close(self):
        for label, path in self.paths.items():
            try:
                for p in open(f"{path}/cgroup.procs").read().split():
                    back = CPUACCT + self.origin.get(int(p), "/").rstrip("/")
                    with open(f"{back}/cgroup.procs", "w") as f:
                        f.write(p)
                os.rmdir(path)
            except OSError:
                pass


def snapshot(targets):
    out = {}
    for label, spec in targets.items():
        ticks = {p: cpu_ticks(p) for p in pids_of(spec)}
        out[label] = {p: t for p, t in ticks.items() if t is not None}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("targets", nargs="+")
    args = ap.parse_args()
    targets = dict(t.split("=", 1) for t in args.targets)
    cgroups = Cgroups(targets)
    try:
        measure(args, targets, cgroups)
    finally:
        cgroups.close()


def measure(args, targets, cgroups):
    c0 = {label: cgroups.seconds(label) for label in cgroups.paths}
    t0, (tot0, busy0), s0 = time.time(), system_ticks(), snapshot(targets)
    peak_rss = {k: 0 for k in targets}
    end = t0 + args.seconds
    while time.time() < end:
        time.sleep(min(1.0, max(0, end - time.time())))
        for label, spec in targets.items():
            peak_rss[label] = max(peak_rss[label], sum(status_kb(p, "VmRSS") for p in pids_of(spec)))
    t1, (tot1, busy1), s1 = time.time(), system_ticks(), snapshot(targets)
    c1 = {label: cgroups.seconds(label) for label in cgroups.paths}
    wall = t1 - t0
    result, measured = {"wallSeconds": wall, "processes": {}}, 0
    for label, spec in targets.items():
        # A process that appeared during the window counts from 0; one that vanished is lost (said in docs).
        ticks = sum(t - s0[label].get(p, 0) for p, t in s1[label].items())
        seconds = c1[label] - c0[label] if label in c1 else ticks / HZ
        measured += seconds * HZ
        pids = pids_of(spec)
        result["processes"][label] = {
            "cpuSeconds": seconds,
            "cpuSource": "cgroup" if label in c1 else "ticks",
            "tickSeconds": ticks / HZ,
            "cpuShare": seconds / wall,
            "rssKB": sum(status_kb(p, "VmRSS") for p in pids),
            "peakRssKB": max(peak_rss[label], sum(status_kb(p, "VmHWM") for p in pids) if len(pids) == 1 else 0),
            "processes": len(pids),
        }
    cores = os.cpu_count()
    result["machine"] = {
        "cores": cores,
        "busyShare": (busy1 - busy0) / max(1, tot1 - tot0),
        "othersBusyShare": max(0.0, (busy1 - busy0 - measured) / max(1, tot1 - tot0)),
    }
    json.dump(result, open(args.out, "w"), indent=1)


if __name__ == "__main__":
    main()
