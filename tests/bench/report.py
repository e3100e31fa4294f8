#!/usr/bin/env python3
"""make bench, last step: raw rig results -> BENCHMARKS.md + build/bench/bench.json.

Reads <build>/raw/r<round>/<module>/<scenario>/ (the rig's results dirs: guest.log with the
"BENCH ..." summary lines and "BENCHRAW ..." samples, be/trace.log, evtpeer.log,
xl-info.txt, verdict.txt) and <build>/machine.txt. Samples of all rounds are pooled per
module; ratios are ours / debian (the reference); < 1 means ours is faster / smaller.
"""
import argparse
import glob
import json
import math
import os
import re
import shlex
import statistics
import sys

MODS = ("ours", "debian")
SIZES = ("1024x768", "1920x1080", "3840x2160")
GREFS_PER_DIR = 1023  # (4096 - 4) / 4: a displif directory page's grefs


def pct(v, p):
    """nearest-rank percentile (as xbench computes it)"""
    if not v:
        return None
    s = sorted(v)
    k = max(0, min(len(s) - 1, int(math.ceil(p / 100.0 * len(s))) - 1))
    return s[k]


def stats(v):
    if not v:
        return None
    return {"n": len(v), "p50": pct(v, 50), "p99": pct(v, 99), "mean": statistics.fmean(v),
            "min": min(v), "max": max(v)}


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def parse_kv(text):
    out = {}
    for tok in shlex.split(text):
        if "=" in tok:
            k, v = tok.split("=", 1)
            try:
                out[k] = float(v) if re.fullmatch(r"-?[0-9.]+(e-?[0-9]+)?", v) else v
            except ValueError:
                out[k] = v
    return out


def parse_guest(path):
    """-> (bench lines: list of (test, dict)), raw: {name: [floats]}, info lines"""
    bench, raw, info = [], {}, []
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError:
        return bench, raw, info
    for ln in lines:
        ln = ln.strip("\r")
        m = re.match(r"^BENCH (\w+)(.*)$", ln)
        if m:
            bench.append((m.group(1), parse_kv(m.group(2))))
            continue
        m = re.match(r"^BENCHRAW (\S+)(.*)$", ln)
        if m:
            raw.setdefault(m.group(1), []).extend(float(x) for x in m.group(2).split())
            continue
        m = re.match(r"^PROF (\S+) (\d+) ([0-9.]+) (\S+)$", ln)
        if m:
            raw.setdefault("__prof__", []).append((m.group(1), int(m.group(2)),
                                                   float(m.group(3)), m.group(4)))
            continue
        m = re.match(r"^BENCHPROF (\S+) (\w+)(.*)$", ln)
        if m:
            raw.setdefault("__profbench__", []).append((m.group(1), m.group(2), parse_kv(m.group(3))))
            continue
        if "BENCH-INFO" in ln:
            info.append(ln.split("BENCH-INFO", 1)[1].strip())
    return bench, raw, info


def trace_timing(path):
    """backend view, from trace.log (ms resolution): per operation (and per WxH for
    DBUF_CREATE) the REQ -> RSP times; for PG_FLIP also REQ -> EVT. -> {key: [ms]}"""
    out, req, size = {}, {}, {}
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError:
        return out
    for ln in lines:
        m = re.match(r"^([0-9.]+) \S+ c\d+ (REQ|RSP) id=(\d+) (\w+)(.*)$", ln)
        if m:
            t, kind, rid, op, rest = float(m.group(1)), m.group(2), m.group(3), m.group(4), m.group(5)
            if kind == "REQ":
                req[rid] = (t, op)
                mm = re.search(r" (\d+x\d+) bpp=", rest)
                size[rid] = mm.group(1) if (mm and op == "DBUF_CREATE") else None
                if op == "PG_FLIP":
                    fb = re.search(r"fb=(\S+)", rest)
                    req["flip-" + (fb.group(1) if fb else "")] = (t, op)
            elif rid in req and req[rid][1] == op:
                key = op + ((":" + size[rid]) if size.get(rid) else "")
                out.setdefault(key, []).append((t - req[rid][0]) * 1e3)
            continue
        m = re.match(r"^([0-9.]+) \S+ c\d+ EVT id=\d+ PG_FLIP fb=(\S+)", ln)
        if m:
            k = "flip-" + m.group(2)
            if k in req:
                out.setdefault("PG_FLIP_EVT", []).append((float(m.group(1)) - req[k][0]) * 1e3)
                del req[k]
    return out


def parse_trace(path):
    """DBUF_CREATE requests in the backend's trace: size -> grefs the backend walked"""
    out = []
    try:
        for ln in open(path, errors="replace"):
            m = re.search(r"REQ id=\d+ DBUF_CREATE dbuf=\S+ (\d+)x(\d+) bpp=(\d+) sz=(\d+)", ln)
            if m:
                w, h, bpp, sz = map(int, m.groups())
                data = -(-sz // 4096)
                out.append({"w": w, "h": h, "bpp": bpp, "sz": sz, "data_pages": data,
                            "dir_pages": -(-data // GREFS_PER_DIR)})
    except OSError:
        pass
    return out


def load(build):
    runs = []
    suite = os.path.join(build, "raw", "bench-suite")
    for d in sorted(glob.glob(os.path.join(suite, "sub", "r*-*-*-*"))):
        m = re.match(r"r(\d+)-(\d+)-(\w+)-(\w+)$", os.path.basename(d))
        if not m:
            continue
        rnd, n, mod, part = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        bench, raw, info = parse_guest(os.path.join(d, "guest.log"))
        rc = ""
        try:
            rc = open(os.path.join(d, "rc.txt")).read().strip()
        except OSError:
            pass
        problems = []
        try:
            for ln in open(os.path.join(d, "guest.log"), errors="replace"):
                if re.search(r"WARNING:|BUG:|Oops|Call Trace|general protection", ln):
                    problems.append("guest: " + ln.strip())
        except OSError:
            problems.append("no guest console log")
        try:
            for ln in open(os.path.join(d, "be", "trace.log"), errors="replace"):
                if "VIOLATION" in ln:
                    problems.append("backend: " + ln.strip())
        except OSError:
            pass
        runs.append({"round": rnd, "n": n, "module": mod, "scenario": part, "dir": d,
                     "bench": bench, "raw": raw, "info": info,
                     "verdict": rc + ("" if not problems else " PROBLEMS: " + " | ".join(problems[:3])),
                     "problems": problems,
                     "trace_dbufs": parse_trace(os.path.join(d, "be", "trace.log")),
                     "trace_timing": trace_timing(os.path.join(d, "be", "trace.log"))})
    runs.sort(key=lambda r: r["n"])
    return runs


def suite_info(build):
    """the rig's own verdict on the whole boot, and dom0's facts"""
    suite = os.path.join(build, "raw", "bench-suite")
    out = {"verdict": "", "xl": {}}
    try:
        out["verdict"] = open(os.path.join(suite, "verdict.txt")).read().strip()
    except OSError:
        pass
    try:
        for ln in open(os.path.join(suite, "xl-info.txt")):
            if ":" in ln:
                k, v = ln.split(":", 1)
                out["xl"][k.strip()] = v.strip()
    except OSError:
        pass
    return out


def collect(runs):
    fig = {m: {"flip": {"rt": [], "ioctl": [], "per_round_p50": [], "rate": []},
               "vsync": {"rt": [], "rounds": []}, "idle": [],
               "bufs": {s: {"create": [], "destroy": [], "dumb": [], "addfb": [],
                            "rmfb": [], "dumbdel": [], "errors": [], "pitch": None,
                            "size": None} for s in SIZES},
               "hold": {s: [] for s in SIZES},
               "modeset": {"on": [], "off": []},
               "evt": {"rt": [], "per_round_p50": []},
               "trace_dbufs": [], "errors": [], "info": [], "verdicts": [],
               "prof": [], "profbench": [], "be_timing": {}}
           for m in MODS}
    for r in runs:
        if r["module"] not in fig:
            continue
        f = fig[r["module"]]
        f["verdicts"].append("#%d r%d %s: %s" % (r["n"], r["round"], r["scenario"], r["verdict"]))
        f["info"].extend(r["info"])
        f["trace_dbufs"].extend(r["trace_dbufs"])
        if r["scenario"] == "main":
            for k, v in r["trace_timing"].items():
                f["be_timing"].setdefault(k, []).extend(v)
        raw = r["raw"]
        for test, kv in r["bench"]:
            if "error" in kv:
                tag = kv.get("tag", "")
                f["errors"].append("r%d %s %s: %s" % (r["round"], test, tag, kv["error"]))
                if test == "bufs" and tag in SIZES:
                    f["bufs"][tag]["errors"].append(kv["error"])
                continue
            if test == "flip" and kv.get("tag") == "fast":
                f["flip"]["per_round_p50"].append(kv.get("rt_us_p50"))
                f["flip"].setdefault("by_round", {})[r["round"]] = kv.get("rt_us_p50")
                f["flip"]["rate"].append(kv.get("rate_hz"))
            elif test == "flip" and kv.get("tag") == "vsync":
                f["vsync"]["rounds"].append(kv)
                f["vsync"].setdefault("by_round", {})[r["round"]] = busy_ms(kv) / kv["flips"]
            elif test == "modeset":
                f["modeset"].setdefault("by_round", {})[r["round"]] = kv.get("on_us_p50")
            elif test == "idle":
                f["idle"].append(kv)
            elif test == "bufs" and kv.get("tag") in SIZES:
                b = f["bufs"][kv["tag"]]
                if "addfb_error" in kv:
                    b["errors"].append(kv["addfb_error"] + " (" + kv.get("note", "") + ")")
                else:
                    b["pitch"], b["size"] = int(kv["pitch"]), int(kv["size"])
                    if int(kv.get("fb", 1)) == 1:
                        b.setdefault("by_round", {})[r["round"]] = kv.get("create_us_p50")
                    b.setdefault("dumb_by_round", {})[r["round"]] = kv.get("dumb_us_p50")
            elif test == "hold" and kv.get("tag") in SIZES:
                if "held" in kv:
                    f["hold"][kv["tag"]].append(kv)
                elif "note" in kv:
                    f["bufs"][kv["tag"]]["errors"].append("hold: " + kv["note"])
            elif test == "evtping":
                f["evt"]["per_round_p50"].append(kv.get("rt_us_p50"))
                f["evt"].setdefault("by_round", {})[r["round"]] = kv.get("rt_us_p50")
        f["prof"] += raw.get("__prof__", [])
        f["profbench"] += raw.get("__profbench__", [])
        f["flip"]["rt"] += raw.get("flip_rt_us.fast", [])
        f["flip"]["ioctl"] += raw.get("flip_ioctl_us.fast", [])
        f["vsync"]["rt"] += raw.get("flip_rt_us.vsync", [])
        for s in SIZES:
            f["bufs"][s]["create"] += raw.get("create_us." + s, [])
            f["bufs"][s]["destroy"] += raw.get("destroy_us." + s, [])
            f["bufs"][s]["dumb"] += raw.get("dumb_us." + s, [])
            f["bufs"][s]["dumbdel"] += raw.get("dumbdel_us." + s, [])
        f["modeset"]["on"] += raw.get("modeset_on_us", [])
        f["modeset"]["off"] += raw.get("modeset_off_us", [])
        f["evt"]["rt"] += raw.get("evtping_rt_us", [])
    return fig


def busy_ms(k):
    """guest CPU time in a /proc/stat delta: wall - idle - iowait - steal. The idle time is
    exact (the tick-less idle code measures it); the other fields are tick samples, which
    miss most of the short bursts a 60 Hz flip loop is made of."""
    return k["wall_ms"] - k["stat_idle_ms"] - k["stat_iowait_ms"] - k["stat_steal_ms"]


def vsync_summary(rounds, idle):
    """pooled over rounds: rate, CPU per flip (ms)"""
    if not rounds:
        return None
    flips = sum(k["flips"] for k in rounds)
    wall = sum(k["wall_ms"] for k in rounds)
    g = lambda key: sum(k.get(key, 0.0) for k in rounds)
    busy = sum(busy_ms(k) for k in rounds)
    client = g("client_utime_ms") + g("client_stime_ms")
    ticks_kernel = g("stat_system_ms") + g("stat_irq_ms") + g("stat_softirq_ms")
    out = {
        "flips": flips, "wall_ms": wall, "rate_hz": flips * 1e3 / wall,
        "rate_hz_per_round": [k["rate_hz"] for k in rounds],
        # the figure: all CPU time the guest spent (client + kernel + workers) per flip
        "cpu_ms_per_flip": busy / flips,
        "cpu_ms_per_flip_per_round": [busy_ms(k) / k["flips"] for k in rounds],
        # the client's own (getrusage: exact sum of user + system)
        "client_cpu_ms_per_flip": client / flips,
        "client_utime_ms_per_flip": g("client_utime_ms") / flips,
        "client_stime_ms_per_flip": g("client_stime_ms") / flips,
        # outside the client: interrupts, the atomic commit worker, timers, ...
        "outside_client_ms_per_flip": (busy - client) / flips,
        # /proc/stat's tick-sampled kernel fields, for the record (they undercount)
        "stat_ticks_kernel_ms_per_flip": ticks_kernel / flips,
        "steal_ms_per_flip": g("stat_steal_ms") / flips,
    }
    # wake-ups: interrupts and context switches in the whole guest, per flip
    if all("stat_intr" in k for k in rounds):
        out["intr_per_flip"] = g("stat_intr") / flips
        out["ctxt_per_flip"] = g("stat_ctxt") / flips
    if idle:
        iw = sum(k["wall_ms"] for k in idle)
        ib = sum(busy_ms(k) for k in idle)
        out["idle_cpu_ms_per_s"] = ib * 1e3 / iw
        out["idle_cpu_ms_per_flip_equiv"] = ib / iw * wall / flips
        out["net_cpu_ms_per_flip"] = (busy - ib / iw * wall) / flips
    return out


def hold_summary(holds, pitch_size):
    if not holds:
        return None
    held = sum(int(k["held"]) for k in holds)
    if held == 0:
        return None
    size = int(holds[0]["size"])
    data_pages = -(-size // 4096)
    dir_pages = -(-data_pages // GREFS_PER_DIR)
    free = -sum(k["d_FreeExact_kb"] for k in holds)
    shmem = sum(k["d_Shmem_kb"] for k in holds)
    out = {"held": held, "size": size, "data_pages": data_pages, "dir_pages": dir_pages,
           "min_grants": data_pages + dir_pages,
           "mem_kb_per_buf": free / held, "data_kb_per_buf": shmem / held,
           "overhead_kb_per_buf": (free - shmem) / held,
           "slab_kb_per_buf": sum(k["d_Slab_kb"] for k in holds) / held,
           "left_after_free_kb": -sum(k["left_FreeExact_kb"] for k in holds) / len(holds),
           "with_fb": all(int(k.get("fb", 1)) == 1 for k in holds)}
    kp = [k.get("kp_grant", -1) for k in holds]
    if all(x >= 0 for x in kp):
        out["grants_per_buf"] = sum(kp) / held
        out["end_access_per_buf"] = sum(k.get("kp_endaccess_after_free", 0) for k in holds) / held
    return out


def prof_tree(rows):
    """PROF rows (phase, calls, total_us, path) -> {phase: [{path, calls, total_us}]}"""
    out = {}
    for phase, calls, tot, path in rows:
        out.setdefault(phase, {})
        e = out[phase].setdefault(path, {"path": path, "calls": 0, "total_us": 0.0})
        e["calls"] += calls
        e["total_us"] += tot
    return {ph: sorted(v.values(), key=lambda e: e["path"]) for ph, v in out.items()}


def build_json(fig, machine, runs, cmd):
    J = {"date": machine.get("date"), "command": cmd, "machine": machine,
         "rounds": max([r["round"] for r in runs] or [0]),
         "order": ["r%d %s %s" % (r["round"], r["module"], r["scenario"]) for r in runs],
         "problems": [p for r in runs for p in r["problems"]],
         "units": "times in microseconds unless the key says ms; ratio = ours / debian",
         "modules": {}, "ratios": {}, "targets": []}
    for m in MODS:
        f = fig[m]
        M = {
            "flip_rt_us": stats(f["flip"]["rt"]),
            "flip_ioctl_us": stats(f["flip"]["ioctl"]),
            "flip_rt_p50_per_round": f["flip"]["per_round_p50"],
            "flip_unpaced_rate_hz_per_round": f["flip"]["rate"],
            "vsync": vsync_summary(f["vsync"]["rounds"], f["idle"]),
            "vsync_rt_us": stats(f["vsync"]["rt"]),
            "modeset_on_us": stats(f["modeset"]["on"]),
            "modeset_off_us": stats(f["modeset"]["off"]),
            "evtping_rt_us": stats(f["evt"]["rt"]),
            "evtping_p50_per_round": f["evt"]["per_round_p50"],
            "bufs": {}, "errors": f["errors"], "verdicts": f["verdicts"],
            "info": sorted(set(f["info"])),
        }
        for s in SIZES:
            b = f["bufs"][s]
            M["bufs"][s] = {"create_us": stats(b["create"]), "destroy_us": stats(b["destroy"]),
                            "create_dumb_us": stats(b["dumb"]),
                            "destroy_dumb_us": stats(b["dumbdel"]),
                            "pitch": b["pitch"], "size": b["size"], "errors": b["errors"],
                            "hold": hold_summary(f["hold"][s], None)}
            tb = [t for t in f["trace_dbufs"] if "%dx%d" % (t["w"], t["h"]) == s]
            if tb:
                M["bufs"][s]["backend_dbuf_create"] = {
                    "count": len(tb), "sz": sorted({t["sz"] for t in tb}),
                    "grefs_walked": sorted({t["data_pages"] + t["dir_pages"] for t in tb}),
                    "dir_pages": sorted({t["dir_pages"] for t in tb})}
        M["backend_ms"] = {k: {"n": len(v), "mean": statistics.fmean(v), "p50": pct(v, 50)}
                           for k, v in sorted(f["be_timing"].items()) if v}
        M["profile"] = prof_tree(f["prof"])
        M["profile_runs"] = [{"phase": p, "test": t, **kv} for p, t, kv in f["profbench"]]
        J["modules"][m] = M
    o, d = J["modules"]["ours"], J["modules"]["debian"]
    R = J["ratios"]
    J["floor_rt_us"] = stats(fig["ours"]["evt"]["rt"] + fig["debian"]["evt"]["rt"])
    for M in (o, d):
        if M["flip_rt_us"] and J["floor_rt_us"]:
            M["flip_p50_over_floor_p50"] = M["flip_rt_us"]["p50"] / J["floor_rt_us"]["p50"]

    def rr(name, a, b):
        R[name] = ratio(a, b)

    g = lambda x, k: x[k] if x else None
    rr("flip_rt_p50", g(o["flip_rt_us"], "p50"), g(d["flip_rt_us"], "p50"))
    rr("flip_rt_p99", g(o["flip_rt_us"], "p99"), g(d["flip_rt_us"], "p99"))
    rr("flip_rt_mean", g(o["flip_rt_us"], "mean"), g(d["flip_rt_us"], "mean"))
    rr("vsync_rate", g(o["vsync"], "rate_hz"), g(d["vsync"], "rate_hz"))
    rr("cpu_per_flip", g(o["vsync"], "cpu_ms_per_flip"), g(d["vsync"], "cpu_ms_per_flip"))
    rr("client_cpu_per_flip", g(o["vsync"], "client_cpu_ms_per_flip"), g(d["vsync"], "client_cpu_ms_per_flip"))
    rr("net_cpu_per_flip", g(o["vsync"], "net_cpu_ms_per_flip"), g(d["vsync"], "net_cpu_ms_per_flip"))
    rr("modeset_on_p50", g(o["modeset_on_us"], "p50"), g(d["modeset_on_us"], "p50"))
    rr("modeset_off_p50", g(o["modeset_off_us"], "p50"), g(d["modeset_off_us"], "p50"))
    rr("evtping_p50", g(o["evtping_rt_us"], "p50"), g(d["evtping_rt_us"], "p50"))
    for s in SIZES:
        rr("create_p50_" + s, g(o["bufs"][s]["create_us"], "p50"), g(d["bufs"][s]["create_us"], "p50"))
        rr("destroy_p50_" + s, g(o["bufs"][s]["destroy_us"], "p50"), g(d["bufs"][s]["destroy_us"], "p50"))
        rr("create_dumb_p50_" + s, g(o["bufs"][s]["create_dumb_us"], "p50"), g(d["bufs"][s]["create_dumb_us"], "p50"))
        rr("overhead_kb_" + s, g(o["bufs"][s]["hold"], "overhead_kb_per_buf"),
           g(d["bufs"][s]["hold"], "overhead_kb_per_buf"))

    # paired per round (same round = neighbouring guests in the same boot): the ratio of
    # the two modules' values in each round, and the median over rounds, which one round
    # spoilt by the shared host's load cannot move much
    def paired(get):
        a, b = get(fig["ours"]), get(fig["debian"])
        rs = sorted(set(a) & set(b))
        # a round whose figure is not positive (e.g. a CPU time that the host's steal
        # time ate up in a short --quick run) has no ratio
        rat = [a[k] / b[k] for k in rs if a[k] and b[k] and a[k] > 0 and b[k] > 0]
        if not rat:
            return None
        return {"rounds": rs, "per_round": rat, "median": statistics.median(rat),
                "geomean": math.exp(sum(math.log(x) for x in rat) / len(rat))}
    P = J["paired"] = {
        "flip_rt_p50": paired(lambda f: f["flip"].get("by_round", {})),
        "cpu_per_flip": paired(lambda f: f["vsync"].get("by_round", {})),
        "modeset_on_p50": paired(lambda f: f["modeset"].get("by_round", {})),
        "floor_p50": paired(lambda f: f["evt"].get("by_round", {})),
    }
    for sz in SIZES:
        P["create_p50_" + sz] = paired(lambda f: f["bufs"][sz].get("by_round", {}))
        P["create_dumb_p50_" + sz] = paired(lambda f: f["bufs"][sz].get("dumb_by_round", {}))

    T = J["targets"]

    def target(name, value, limit, how):
        T.append({"target": name, "value": value, "limit": limit,
                  "met": None if value is None else value <= limit, "how": how})

    med = lambda k: P[k]["median"] if P.get(k) else None

    def target2(name, key, pooled, limit):
        T.append({"target": name, "value": med(key), "pooled": pooled, "limit": limit,
                  "per_round": P[key]["per_round"] if P.get(key) else None,
                  "met": None if med(key) is None else med(key) <= limit, "how": "ratio"})

    target2("flip round trip p50 <= 0.8x", "flip_rt_p50", R.get("flip_rt_p50"), 0.8)
    for sz in SIZES:
        if P.get("create_p50_" + sz):
            target2("buffer create %s p50 <= 0.8x" % sz, "create_p50_" + sz, R.get("create_p50_" + sz), 0.8)
        else:
            target2("buffer create %s p50 <= 0.8x (CREATE_DUMB alone: the reference has no 4K framebuffers)" % sz,
                    "create_dumb_p50_" + sz, R.get("create_dumb_p50_" + sz), 0.8)
    target2("CPU per flip (60 Hz) <= 1.0x", "cpu_per_flip", R.get("cpu_per_flip"), 1.0)
    for s in SIZES:
        h = o["bufs"][s]["hold"]
        if h and "grants_per_buf" in h:
            T.append({"target": "grants per %s buffer = minimum" % s,
                      "value": h["grants_per_buf"], "limit": h["min_grants"],
                      "met": h["grants_per_buf"] == h["min_grants"], "how": "count"})
        else:
            T.append({"target": "grants per %s buffer = minimum" % s, "value": None,
                      "limit": None, "met": None, "how": "count"})
    return J


# ------------------------------------------------------------------ markdown
def fnum(x, unit="", nd=None):
    if x is None:
        return "n/a"
    if nd is None:
        nd = 0 if abs(x) >= 100 else 1 if abs(x) >= 10 else 2
    return ("%." + str(nd) + "f%s") % (x, unit)


def ms(us):
    return None if us is None else us / 1e3


def fr(x):
    return "n/a" if x is None else "**%.2fx**" % x


def module_order(order):
    """["r1 ours main", ...] -> "r1: ours, debian; r2: debian, ours" """
    seen, out = set(), {}
    for x in order:
        r, m = x.split()[:2]
        if (r, m) not in seen:
            seen.add((r, m))
            out.setdefault(r, []).append(m)
    return "; ".join("%s: %s" % (r, ", ".join(v)) for r, v in sorted(out.items(), key=lambda kv: int(kv[0][1:])))


def md(J, extra_notes):
    o, d, R = J["modules"]["ours"], J["modules"]["debian"], J["ratios"]
    m = J["machine"]
    g = lambda x, k: x.get(k) if x else None
    L = []
    A = L.append
    A("# Benchmarks: drm_xen_front (ours) vs Debian's drm_xen_front.ko (reference)")
    A("")
    A("Generated by `make bench` (`%s`) on %s. Numbers below are real: this file is written"
      " by `tests/bench/report.py` from the run's raw results (`build/bench/raw/`,"
      " machine-readable copy in `build/bench/bench.json` and `tests/bench/last-run.json`)." %
      (J["command"], J["date"]))
    A("")
    A("**Read ratios, not absolute times.** Everything runs in the Xen rig: Xen %s under QEMU"
      " TCG (no KVM), PV dom0 + PV guest (1 vCPU each), on a shared 2-core host, so absolute"
      " times are those of an emulated CPU, many times slower than the host, and they move"
      " with the host's load. Both modules run under identical conditions in one QEMU boot"
      " (the rig's `bench-suite` scenario): dom0 starts a fresh guest per (round, module,"
      " part), the guest loads the module named on its command line (the same kernel, the"
      " same initramfs with both modules in it, the same backend binary and client), %d"
      " rounds with the order flipped every round: %s. Ratios are ours / Debian's (< 1:"
      " ours is faster or smaller); samples of all rounds are pooled per module." %
      (m.get("xen_version", "4.17"), J["rounds"], module_order(J["order"])))
    A("")
    A("| machine | |")
    A("| --- | --- |")
    A("| host | %s CPU(s), %s, kernel %s |" % (m.get("nproc"), m.get("cpu"), m.get("host_kernel")))
    A("| emulator | %s, `-accel tcg -cpu max,-smap -smp 2 -m 1024` |" % m.get("qemu"))
    A("| hypervisor | Xen %s (%s) |" % (m.get("xen_version", "?"), m.get("xen_pkg", "")))
    A("| guests | dom0 and domU: Debian %s, PV, 1 vCPU; domU 384 MiB |" % m.get("guest_kernel"))
    A("| modules | ours: sha256 %s, git %s, loaded with `fbdev=0`; Debian's: sha256 %s |"
      % (m.get("ours_ko"), m.get("git"), m.get("debian_ko")))
    A("| backend | tests/backend/vdispl-be in dom0: answers at once (part main) or paces flip"
      " events at 60 Hz (`--vsync-hz 60`, part vsync) |")
    A("| rig verdict | %s |" % (J.get("rig_verdict") or "n/a"))
    A("| host load | loadavg %s at the start, %s at the end; bench wall time %s s |"
      % (m.get("loadavg_start"), m.get("loadavg_end"), m.get("wall_s")))
    A("| date | %s |" % J["date"])
    A("")
    A("Ours is loaded with `fbdev=0`: Debian's module has no fbdev emulation, and ours with"
      " fbdev would hold a framebuffer and light the display at load. Everything else is the"
      " same: same kernel, same rig, same backend, same client binary.")
    A("")

    # ---- targets
    A("## Targets")
    A("")
    A("Ratio = median over rounds of the per-round ratio ours / reference (the two guests of"
      " a round run back to back in the same boot); *pooled* = the ratio of the statistics"
      " over all rounds' samples. The host is shared (other jobs compile and run QEMU"
      " between and beside ours), so single rounds swing: the per-round column shows by"
      " how much, and the floor's own per-round ratio (section 6, a measurement that does"
      " not involve the display module at all and should be 1.00x) shows how uneven the"
      " host was.")
    A("")
    A("| target | ratio (median of rounds) | per round | pooled | met |")
    A("| --- | --- | --- | --- | --- |")
    for t in J["targets"]:
        if t["how"] == "ratio":
            v = "n/a" if t["value"] is None else "**%.2fx**" % t["value"]
            pr = ", ".join("%.2f" % x for x in (t.get("per_round") or [])) or "n/a"
            po = "n/a" if t.get("pooled") is None else "%.2fx" % t["pooled"]
        else:
            v = "n/a" if t["value"] is None else "%g (minimum %g)" % (t["value"], t["limit"])
            pr = po = ""
        met = {True: "yes", False: "**no**", None: "n/a"}[t["met"]]
        A("| %s | %s | %s | %s | %s |" % (t["target"], v, pr, po, met))
    pfl = J["paired"].get("floor_p50")
    A("| *(noise: the floor, should be 1.00x)* | %s | %s | %s | |" % (
        "%.2fx" % pfl["median"] if pfl else "n/a",
        ", ".join("%.2f" % x for x in pfl["per_round"]) if pfl else "n/a",
        fr(R.get("evtping_p50")).replace("*", "")))
    A("")

    # ---- 1 flips
    fo, fd = o["flip_rt_us"], d["flip_rt_us"]
    io, idd = o["flip_ioctl_us"], d["flip_ioctl_us"]
    eo, ed = o["evtping_rt_us"], d["evtping_rt_us"]
    A("## 1. Page-flip round trip (backend answering at once)")
    A("")
    A("`xbench flip`: 1024x768 XRGB8888, two dumb buffers, `drmModePageFlip(..., EVENT)`, one"
      " flip in flight; time from the call to the flip event read from the DRM fd. %s flips"
      " per module (after 20 warm-up flips per guest). *ioctl* = how long drmModePageFlip()"
      " itself took." % (fo["n"] if fo else "n/a"))
    A("")
    A("| | ours | reference | ratio |")
    A("| --- | --- | --- | --- |")
    A("| round trip p50 | %s | %s | %s |" % (fnum(ms(g(fo, "p50")), " ms"), fnum(ms(g(fd, "p50")), " ms"), fr(R.get("flip_rt_p50"))))
    A("| round trip p99 | %s | %s | %s |" % (fnum(ms(g(fo, "p99")), " ms"), fnum(ms(g(fd, "p99")), " ms"), fr(R.get("flip_rt_p99"))))
    A("| round trip mean | %s | %s | %s |" % (fnum(ms(g(fo, "mean")), " ms"), fnum(ms(g(fd, "mean")), " ms"), fr(R.get("flip_rt_mean"))))
    A("| ioctl p50 / p99 | %s / %s | %s / %s | |" % (fnum(ms(g(io, "p50")), " ms"), fnum(ms(g(io, "p99")), " ms"), fnum(ms(g(idd, "p50")), " ms"), fnum(ms(g(idd, "p99")), " ms")))
    A("| flips/s (one in flight), per round | %s | %s | |" % (
        ", ".join(fnum(x) for x in o["flip_unpaced_rate_hz_per_round"]) or "n/a",
        ", ".join(fnum(x) for x in d["flip_unpaced_rate_hz_per_round"]) or "n/a"))
    pf = J["paired"]["flip_rt_p50"]
    A("| p50 ratio per round (ours / reference, same round) | %s | | median %s |" % (
        ", ".join("%.2fx" % x for x in pf["per_round"]) if pf else "n/a",
        fr(pf["median"]) if pf else "n/a"))
    A("| round trip p50 per round | %s | %s | |" % (
        ", ".join(fnum(ms(x), " ms") for x in o["flip_rt_p50_per_round"]) or "n/a",
        ", ".join(fnum(ms(x), " ms") for x in d["flip_rt_p50_per_round"]) or "n/a"))
    A("| p50 as a multiple of the floor (section 6) | %s | %s | |" % (
        fnum(o.get("flip_p50_over_floor_p50"), "x"), fnum(d.get("flip_p50_over_floor_p50"), "x")))
    A("")

    # ---- 2 vsync
    vo, vd = o["vsync"], d["vsync"]
    A("## 2. Sustained flips at 60 Hz, guest CPU per flip")
    A("")
    A("`vdispl-be --vsync-hz 60`: the backend sends each EVT_PG_FLIP at the next tick of a"
      " 60 Hz clock. `xbench flip` as above, %s measured flips per module. **CPU per flip** ="
      " all the CPU time the guest spent over the measured flips / flips, from `/proc/stat`:"
      " wall time - idle - iowait - steal (the idle time is exact: the tick-less idle code"
      " measures it). Split: the client's own CPU time (getrusage, user + system) and the"
      " rest (interrupt handlers, the atomic commit worker, timers). Not used: `/proc/stat`'s"
      " system/irq/softirq fields, which are 250 Hz tick samples and miss most of the short"
      " bursts a 60 Hz flip loop is made of (in JSON as `stat_ticks_kernel_ms_per_flip`)."
      % (vo["flips"] if vo else "n/a"))
    A("")
    A("| | ours | reference | ratio |")
    A("| --- | --- | --- | --- |")
    A("| sustained rate | %s | %s | %s |" % (fnum(g(vo, "rate_hz"), " Hz"), fnum(g(vd, "rate_hz"), " Hz"), fr(R.get("vsync_rate"))))
    A("| round trip p50 / p99 | %s / %s | %s / %s | |" % (
        fnum(ms(g(o["vsync_rt_us"], "p50")), " ms"), fnum(ms(g(o["vsync_rt_us"], "p99")), " ms"),
        fnum(ms(g(d["vsync_rt_us"], "p50")), " ms"), fnum(ms(g(d["vsync_rt_us"], "p99")), " ms")))
    A("| **CPU per flip** | %s | %s | %s |" % (fnum(g(vo, "cpu_ms_per_flip"), " ms", 3), fnum(g(vd, "cpu_ms_per_flip"), " ms", 3), fr(R.get("cpu_per_flip"))))
    A("| of which the client (getrusage) | %s | %s | %s |" % (fnum(g(vo, "client_cpu_ms_per_flip"), " ms", 3), fnum(g(vd, "client_cpu_ms_per_flip"), " ms", 3), fr(R.get("client_cpu_per_flip"))))
    A("| of which outside the client | %s | %s | |" % (fnum(g(vo, "outside_client_ms_per_flip"), " ms", 3), fnum(g(vd, "outside_client_ms_per_flip"), " ms", 3)))
    A("| interrupts per flip (whole guest) | %s | %s | |" % (fnum(g(vo, "intr_per_flip"), "", 2), fnum(g(vd, "intr_per_flip"), "", 2)))
    A("| context switches per flip (whole guest) | %s | %s | |" % (fnum(g(vo, "ctxt_per_flip"), "", 2), fnum(g(vd, "ctxt_per_flip"), "", 2)))
    A("| CPU per flip, per round | %s | %s | |" % (
        ", ".join(fnum(x, " ms", 3) for x in (g(vo, "cpu_ms_per_flip_per_round") or [])) or "n/a",
        ", ".join(fnum(x, " ms", 3) for x in (g(vd, "cpu_ms_per_flip_per_round") or [])) or "n/a"))
    pc = J["paired"]["cpu_per_flip"]
    A("| CPU per flip ratio per round | %s | | median %s |" % (
        ", ".join("%.2fx" % x for x in pc["per_round"]) if pc else "n/a",
        fr(pc["median"]) if pc else "n/a"))
    A("| idle guest's own background, per flip-time | %s | %s | |" % (
        fnum(g(vo, "idle_cpu_ms_per_flip_equiv"), " ms", 3), fnum(g(vd, "idle_cpu_ms_per_flip_equiv"), " ms", 3)))
    A("| CPU per flip minus that background | %s | %s | %s |" % (
        fnum(g(vo, "net_cpu_ms_per_flip"), " ms", 3), fnum(g(vd, "net_cpu_ms_per_flip"), " ms", 3), fr(R.get("net_cpu_per_flip"))))
    A("")
    def irq_src(M, src):
        """per flip (warm-up included) of one /proc/interrupts source, from the guests' notes"""
        tot = n = 0
        for ln in M["info"]:
            m = re.match(r"interrupts during the vsync flips \(\+warm-up\)(?:, over (\d+) flips)?, by source: (.*)", ln)
            if not m:
                continue
            n += int(m.group(1) or 0) or (vsync_flips_per_guest + 30)
            tot += sum(int(v) for k, v in re.findall(r"(\S+)=(\d+)", m.group(2)) if k == src)
        return tot / n if n else None
    vsync_flips_per_guest = vo["flips"] / len(vo["rate_hz_per_round"]) if vo and vo.get("rate_hz_per_round") else 0
    for src, what in (("timer0", "the guest's timer interrupt (scheduler tick and every hrtimer)"),
                      ("vdispl", "the vdispl event channels (responses and EVT_PG_FLIP)")):
        a, b = irq_src(o, src), irq_src(d, src)
        if a is not None and b is not None:
            L.insert(L.index("| CPU per flip, per round | %s | %s | |" % (
                ", ".join(fnum(x, " ms", 3) for x in (g(vo, "cpu_ms_per_flip_per_round") or [])) or "n/a",
                ", ".join(fnum(x, " ms", 3) for x in (g(vd, "cpu_ms_per_flip_per_round") or [])) or "n/a")),
                "| of which %s | %.2f | %.2f | |" % (what, a, b))
    io, idd = g(vo, "intr_per_flip"), g(vd, "intr_per_flip")
    co, cd = g(vo, "ctxt_per_flip"), g(vd, "ctxt_per_flip")
    if None not in (io, idd, co, cd):
        A("Where the time outside the client goes: in a PV guest under TCG a wake-up (an"
          " event-channel upcall, a timer interrupt, a switch to the commit worker and back)"
          " costs more than the driver code it runs, so the guest's interrupts and context"
          " switches per flip say most of it: ours %.2f and %.2f, the reference %.2f and %.2f"
          " (%+.2f and %+.2f); the split of the interrupts by source is in the table. The"
          " timer interrupt carries the scheduler tick and every hrtimer, so these counts"
          " cannot tell its sources apart. tests/bench/analysis.md (below) says what the"
          " designs do differently." % (io, co, idd, cd, io - idd, co - cd))
        A("")

    # ---- 3 buffers
    A("## 3. Dumb buffer lifecycle (XRGB8888)")
    A("")
    A("`xbench bufs`: per buffer, *create* = `CREATE_DUMB` + `ADDFB2` (both drivers send"
      " DBUF_CREATE from CREATE_DUMB and FB_ATTACH from ADDFB2, each a synchronous round trip"
      " to the backend, which maps every granted page), *destroy* = `RMFB` + `DESTROY_DUMB`"
      " (FB_DETACH, DBUF_DESTROY). p50 over all rounds.")
    A("")
    A("| size | create ours | create ref | ratio | destroy ours | destroy ref | ratio | CREATE_DUMB alone ours / ref | ratio |")
    A("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in SIZES:
        bo, bd = o["bufs"][s], d["bufs"][s]
        A("| %s | %s | %s | %s | %s | %s | %s | %s / %s | %s |" % (
            s, fnum(ms(g(bo["create_us"], "p50")), " ms"), fnum(ms(g(bd["create_us"], "p50")), " ms"),
            fr(R.get("create_p50_" + s)), fnum(ms(g(bo["destroy_us"], "p50")), " ms"),
            fnum(ms(g(bd["destroy_us"], "p50")), " ms"), fr(R.get("destroy_p50_" + s)),
            fnum(ms(g(bo["create_dumb_us"], "p50")), " ms"), fnum(ms(g(bd["create_dumb_us"], "p50")), " ms"),
            fr(R.get("create_dumb_p50_" + s))))
    A("")
    for mod, M in (("ours", o), ("reference", d)):
        for s in SIZES:
            if M["bufs"][s]["errors"]:
                A("* %s, %s: %s" % (mod, s, "; ".join(sorted(set(M["bufs"][s]["errors"])))))
    A("")

    # ---- 4 modeset
    A("## 4. Modeset (SET_CONFIG)")
    A("")
    A("`xbench modeset`: `drmModeSetCrtc` with a 1024x768 framebuffer (enable: SET_CONFIG),"
      " then `drmModeSetCrtc(fb 0)` (disable: all-zero SET_CONFIG), per call, %s cycles per"
      " module." % (g(o["modeset_on_us"], "n") or "n/a"))
    A("")
    A("| | ours | reference | ratio |")
    A("| --- | --- | --- | --- |")
    A("| enable p50 | %s | %s | %s |" % (fnum(ms(g(o["modeset_on_us"], "p50")), " ms"), fnum(ms(g(d["modeset_on_us"], "p50")), " ms"), fr(R.get("modeset_on_p50"))))
    A("| disable p50 | %s | %s | %s |" % (fnum(ms(g(o["modeset_off_us"], "p50")), " ms"), fnum(ms(g(d["modeset_off_us"], "p50")), " ms"), fr(R.get("modeset_off_p50"))))
    A("")

    # ---- 5 grants and memory
    A("## 5. Grants and guest memory per buffer")
    A("")
    A("`xbench bufs --hold K`: K buffers created and attached at once. *grants* = calls to"
      " `gnttab_grant_foreign_access_ref` (a kprobe in the guest, counted in"
      " `kprobe_profile`) per buffer; the minimum is data pages + ceil(data pages / 1023)"
      " directory pages. *backend walked* = what the backend's trace says it received"
      " (DBUF_CREATE `sz` -> data pages; it walks exactly ceil(n/1023) directory pages and"
      " flags a longer chain as a violation). *memory* = drop of the guest's free pages"
      " (buddy + per-CPU lists, from `/proc/zoneinfo`) per buffer; *overhead* = that minus"
      " the buffer's own pages (the `Shmem` rise).")
    A("")
    A("| size | data pages | minimum grants | grants ours | grants ref | backend walked (ours / ref) | memory ours | memory ref | overhead ours | overhead ref |")
    A("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    nofb = []
    for s in SIZES:
        ho, hd = o["bufs"][s]["hold"], d["bufs"][s]["hold"]
        h = ho or hd
        for mod, x in (("ours", ho), ("reference", hd)):
            if x and not x.get("with_fb", True):
                nofb.append("%s %s" % (mod, s))
        tb = lambda M: ",".join(str(x) for x in M["bufs"][s].get("backend_dbuf_create", {}).get("grefs_walked", [])) or "n/a"
        A("| %s | %s | %s | %s | %s | %s / %s | %s | %s | %s | %s |" % (
            s, g(h, "data_pages") or "n/a", g(h, "min_grants") or "n/a",
            fnum(g(ho, "grants_per_buf"), "", 0), fnum(g(hd, "grants_per_buf"), "", 0), tb(o), tb(d),
            fnum(g(ho, "mem_kb_per_buf"), " KiB", 0), fnum(g(hd, "mem_kb_per_buf"), " KiB", 0),
            fnum(g(ho, "overhead_kb_per_buf"), " KiB", 1), fnum(g(hd, "overhead_kb_per_buf"), " KiB", 1)))
    A("")

    if nofb:
        A("Held as dumb buffers without a framebuffer (ADDFB2 refused the size): %s." % ", ".join(nofb))
        A("")

    # ---- 6 floor
    A("## 6. The floor: event-channel ping-pong guest <-> dom0")
    A("")
    A("`evtping`: a guest process on `/dev/xen/evtchn` (xen-evtchn loaded in the guest)"
      " binds an unbound port for dom0, a dom0 process binds to it (the port goes through"
      " the rig's XenStore request channel) and answers every notification; round trip ="
      " notify + wait for the answer + unmask, user space to user space, the guest and dom0"
      " each on their own vCPU. Measured at the end of every *main* guest, %s pings in all;"
      " it does not involve the display module, so the columns differ only by noise and"
      " the floor is their pool." % (g(J["floor_rt_us"], "n") or "n/a"))
    A("")
    fl = J["floor_rt_us"]
    A("| | floor (all guests) | in ours' guests | in reference's guests |")
    A("| --- | --- | --- | --- |")
    A("| round trip p50 | %s | %s | %s |" % (fnum(ms(g(fl, "p50")), " ms", 3), fnum(ms(g(eo, "p50")), " ms", 3), fnum(ms(g(ed, "p50")), " ms", 3)))
    A("| round trip p99 | %s | %s | %s |" % (fnum(ms(g(fl, "p99")), " ms", 3), fnum(ms(g(eo, "p99")), " ms", 3), fnum(ms(g(ed, "p99")), " ms", 3)))
    A("")
    A("| flip round trip p50 / floor p50 | ours | reference |")
    A("| --- | --- | --- |")
    A("| | %s | %s |" % (fnum(o.get("flip_p50_over_floor_p50"), "x"), fnum(d.get("flip_p50_over_floor_p50"), "x")))
    A("")
    A("A flip is at least one such round trip (PG_FLIP request -> response + EVT_PG_FLIP),"
      " plus the DRM atomic machinery on both ends of it.")
    A("")
    be_md(A, o, d)
    if extra_notes:
        A(extra_notes.rstrip())
        A("")
    prof_md(A, o, d)

    A("## Runs")
    A("")
    for mod, M in (("ours", o), ("reference", d)):
        A("* %s: %s" % (mod, "; ".join(M["verdicts"]) or "none"))
        if M["errors"]:
            A("  * errors: %s" % "; ".join(M["errors"]))
    A("")
    if J.get("problems"):
        A("Problems seen in the guests' consoles or the backend's traces:")
        A("")
        for p in J["problems"][:20]:
            A("* `%s`" % p[:300])
        A("")
    A("Reproduce: `make bench` (= `tests/bench/run.sh`; `--rounds N`, `--quick`,"
      " `--no-profile`); this run took %s s of wall time, QEMU included. The rig scenario is"
      " `tests/rig/scenarios/bench-suite.sh` (not in the rig's ORDER), its guest and dom0 halves"
      " `tests/bench/guest/bench-lib.sh` and `tests/bench/dom0/bench-dom0.sh`; the client is"
      " `tests/bench/xbench.c`, the floor `tests/bench/evtping.c`." % m.get("wall_s", "?"))
    return "\n".join(L) + "\n"


def be_md(A, o, d):
    """the backend's side, from its trace (ms resolution, means)"""
    bo, bd = o.get("backend_ms") or {}, d.get("backend_ms") or {}
    keys = [k for k in ("DBUF_CREATE:1024x768", "DBUF_CREATE:1920x1080", "DBUF_CREATE:3840x2160",
                        "DBUF_DESTROY", "FB_ATTACH", "FB_DETACH", "SET_CONFIG", "PG_FLIP",
                        "PG_FLIP_EVT") if k in bo or k in bd]
    if not keys:
        return
    A("## The backend's side (its trace)")
    A("")
    A("Mean time from the backend reading a request to its response, from"
      " `be/trace.log` of the *main* guests (timestamps in ms: p50s are quantized, means"
      " over many are fine; SET_CONFIG's mean holds the backend's snapshots of the last"
      " frame at the first disables, its p50 does not). DBUF_CREATE is mostly the backend mapping"
      " every granted page (gntdev); what the guest spends around it is the rest of the"
      " create time of section 3. `PG_FLIP_EVT` = request to EVT_PG_FLIP.")
    A("")
    A("| request | ours: n, p50, mean | reference: n, p50, mean |")
    A("| --- | --- | --- |")
    for k in keys:
        x, y = bo.get(k), bd.get(k)
        A("| %s | %s | %s |" % (k, "%d, %.0f ms, %.2f ms" % (x["n"], x["p50"], x["mean"]) if x else "n/a",
                               "%d, %.0f ms, %.2f ms" % (y["n"], y["p50"], y["mean"]) if y else "n/a"))
    A("")


PROF_TITLES = {
    "flip": "page flips (`drm_mode_page_flip_ioctl` in the client, `commit_work` in the"
            " atomic commit worker)",
    "modeset": "modesets (`drm_mode_setcrtc`, on and off)",
    "bufs": "1920x1080 buffers (`CREATE_DUMB`, `ADDFB2`, `RMFB`, `DESTROY_DUMB`)",
    "irq": "the event-channel handlers during page flips (ours: hard IRQ; Debian's:"
           " threaded IRQ), traced in interrupt context",
}


def prof_md(A, o, d, min_share=0.03, max_depth=8):
    if not (o.get("profile") or d.get("profile")):
        return
    A("## Profiles (function_graph in the guest)")
    A("")
    A("From the *profile* part (one guest per module, after the rounds): the guest's function_graph tracer below"
      " the ioctls the other sections time, summarised in the guest into inclusive call trees"
      " (wall time per call path, sleeping included: time spent waiting for the backend"
      " shows up in the function that waits). Tracing inflates what it traces, code with many"
      " small calls most (e.g. the per-page loops of buffer creation), so read shares and"
      " waits, not absolute times. Paths below %d%% of their root are left out." % int(min_share * 100))
    A("")
    # noise gauge: the same DRM core code in both profiles
    gauge = []
    for path in ("drm_mode_page_flip_ioctl;drm_atomic_helper_page_flip;page_flip_common",
                 "drm_mode_page_flip_ioctl;drm_mode_object_find"):
        vals = []
        for M in (o, d):
            rows = {r["path"]: r for r in (M.get("profile") or {}).get("flip", [])}
            r = rows.get(path)
            vals.append(r["total_us"] / r["calls"] if r and r["calls"] else None)
        if None not in vals:
            gauge.append("`%s` %.0f us in ours' guests, %.0f us in the reference's (%.2fx)"
                         % (path.split(";")[-1], vals[0], vals[1], vals[0] / vals[1]))
    if gauge:
        A("Noise gauge: DRM core code that is the same for both modules costs, per call, "
          + "; ".join(gauge) + ". Where this is far from 1.00x, the host's load differed"
          " between the profiles and the absolute times below are not comparable across"
          " modules; shares within one module still are.")
        A("")
    for phase in ("flip", "irq", "modeset", "bufs"):
        A("### %s" % PROF_TITLES.get(phase, phase))
        A("")
        for mod, M in (("ours", o), ("reference", d)):
            rows = (M.get("profile") or {}).get(phase)
            if not rows:
                A("*%s: no profile*" % mod)
                A("")
                continue
            roots = {r["path"]: r for r in rows if ";" not in r["path"]}
            A("**%s**" % mod)
            A("")
            A("| call path | calls | total ms | per call us |")
            A("| --- | --- | --- | --- |")
            for r in rows:
                parts = r["path"].split(";")
                if len(parts) > max_depth:
                    continue
                root = roots.get(parts[0])
                if root and len(parts) > 1 and r["total_us"] < min_share * root["total_us"]:
                    continue
                label = ("&nbsp;&nbsp;" * (len(parts) - 1)) + ("`%s`" % parts[-1])
                A("| %s | %d | %.1f | %.0f |" % (label, r["calls"], r["total_us"] / 1e3,
                                                r["total_us"] / max(1, r["calls"])))
            A("")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--cmd", default="make bench")
    ap.add_argument("--md", default=None, help="output markdown (default <repo>/BENCHMARKS.md)")
    ap.add_argument("--notes", default=None, help="markdown appended before 'Runs' (default: tests/bench/analysis.md)")
    a = ap.parse_args()
    machine = {}
    try:
        for ln in open(os.path.join(a.build, "machine.txt")):
            if "=" in ln:
                k, v = ln.rstrip("\n").split("=", 1)
                machine[k] = v
    except OSError:
        pass
    runs = load(a.build)
    if not runs:
        print("report.py: no results under %s/raw" % a.build, file=sys.stderr)
        return 1
    si = suite_info(a.build)
    if si["xl"].get("xen_version"):
        machine["xen_version"] = si["xl"]["xen_version"]
    fig = collect(runs)
    J = build_json(fig, machine, runs, a.cmd)
    J["rig_verdict"] = si["verdict"]
    os.makedirs(a.build, exist_ok=True)
    with open(os.path.join(a.build, "bench.json"), "w") as f:
        json.dump(J, f, indent=1, sort_keys=True)
    notes_path = a.notes or os.path.join(a.repo, "tests", "bench", "analysis.md")
    notes = open(notes_path).read() if os.path.exists(notes_path) else ""
    with open(a.md or os.path.join(a.repo, "BENCHMARKS.md"), "w") as f:
        f.write(md(J, notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
