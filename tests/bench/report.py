#!/usr/bin/env python3
"""make bench, last step: raw rig results -> BENCHMARKS.md + build/bench/bench.json.

Reads <build>/raw/r<round>/<module>/<scenario>/ (the rig's results dirs: guest.log with the
"BENCH ..." summary lines and "BENCHRAW ..." samples, be/trace.log, evtpeer.log,
xl-info.txt, verdict.txt) and <build>/machine.txt. Samples of all rounds are pooled per
module; ratios are ours / debian (the reference); < 1 means ours is faster / smaller.
"""
import argparse
import bisect
import glob
import json
import math
import os
import re
import shlex
import statistics
import subprocess
import sys

MODS = ("ours", "debian")
SIZES = ("1024x768", "1920x1080", "2560x1440", "3840x2160")
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


def load_marks(rawdir):
    """insncount.so's marks (tests/bench/insncount.c): id -> {code: (cpu, counts)}"""
    marks = {}
    try:
        for ln in open(os.path.join(rawdir, "insn.txt")):
            f = ln.split()
            if len(f) >= 5 and f[0] == "mark":
                code, mid, cpu = int(f[1]), int(f[2]), int(f[3])
                marks.setdefault(mid, {})[code] = (cpu, [int(x) for x in f[4:]])
    except (OSError, ValueError):
        pass
    return marks


def insn_delta(marks, kv):
    """instructions between a measurement's begin and end marks: (on the CPU that ran
    the guest, on the others), or None (no plugin, or the guest moved between CPUs)"""
    m = marks.get(int(kv.get("insn_mark", -1)))
    if not m or 0 not in m or 1 not in m or m[0][0] != m[1][0]:
        return None
    cpu, a, b = m[0][0], m[0][1], m[1][1]
    d = [y - x for x, y in zip(a, b)]
    return d[cpu], sum(d) - d[cpu]


# Xen's own text on x86_64 (its linker script puts it at __XEN_VIRT_START + 2 MiB):
# what the guest's CPU executes there is Xen working for that guest (hypercalls,
# event delivery, scheduling, page-table updates of a PV guest)
XEN_TEXT = (0xffff82d040000000, 0xffff82d0c0000000)
PROF_OWNERS = ("drm_xen_front", "xen_front_pgdir_shbuf", "drm_kms_helper", "drm",
               "vmlinux", "xen", "user")


def load_prof(rawdir):
    """insncount.so's profile (prof=1): mark id -> [(block address, instructions, runs)]"""
    prof = {}
    try:
        for ln in open(os.path.join(rawdir, "insn.txt")):
            if ln.startswith("prof "):
                f = ln.split()
                prof.setdefault(int(f[1]), []).append((int(f[2], 16), int(f[3]),
                                                       int(f[4]) if len(f) > 4 else 0))
    except (OSError, ValueError, IndexError):
        pass
    return prof


def kernel_text(rawdir):
    """the guest kernel's functions, as dom0 (the same kernel) listed them
    (bench-dom0.sh): sorted [(address, name)], None without the list"""
    syms = []
    try:
        for ln in open(os.path.join(rawdir, "bench-suite", "kallsyms.txt")):
            a, t, name = ln.split()[:3]
            syms.append((int(a, 16), name))
    except (OSError, ValueError):
        return None
    return sorted(syms) or None


_XEN_SYMS = []
_XEN_LOOKED = []


def xen_text():
    """Xen's functions: the symbols of xen-4.17-amd64.efi, the same build as the
    xen-4.17-amd64.gz the rig boots (same package; its code sits at the same addresses:
    the profile's hottest blocks in Xen start exactly at its functions), sorted
    [(address, name)]; [] without it"""
    if not _XEN_LOOKED:
        _XEN_LOOKED.append(True)
        try:
            nm = subprocess.run(["nm", "-n", "/boot/xen-4.17-amd64.efi"], capture_output=True,
                                text=True, check=True).stdout
            for ln in nm.splitlines():
                f = ln.split()
                if len(f) == 3 and f[1] in "tT":
                    _XEN_SYMS.append((int(f[0], 16), f[2]))
        except (OSError, ValueError, subprocess.CalledProcessError):
            pass
        _XEN_SYMS.sort()
    return _XEN_SYMS


def guest_syms(guest_log, kt):
    """-> (sorted addresses, [(address, owner, function)]) for one guest boot, from its
    BENCHSYM lines (bench-lib.sh: bench_syms) and the kernel's functions kt (dom0's:
    kernel_text); None if the guest printed none or its kernel is elsewhere"""
    stext, syms = None, []
    try:
        for ln in open(guest_log, errors="replace"):
            m = re.match(r"^BENCHSYM ([0-9a-f]+) (\S+)(?: \[(\S+)\])?", ln.strip("\r"))
            if not m:
                continue
            if m.group(2) == "_stext" and not m.group(3):
                stext = int(m.group(1), 16)
            elif m.group(3):
                syms.append((int(m.group(1), 16), m.group(3), m.group(2)))
    except OSError:
        return None
    if not stext or not kt or dict((n, a) for a, n in kt).get("_stext") != stext:
        return None   # no symbols, kptr_restrict hid them, or another kernel than dom0's
    for a, n in kt:
        # past the kernel's text (_etext): nothing of vmlinux's
        syms.append((a, "vmlinux" if n != "_etext" else "", n))
    syms.sort()
    return [a for a, _, _ in syms], syms


def owner_func(gs, va):
    """a block's address -> (owner, function, the function's address or None)"""
    if XEN_TEXT[0] <= va < XEN_TEXT[1]:
        xs = xen_text()
        i = bisect.bisect_right(xs, (va, "\xff")) - 1
        if i >= 0:
            return "xen", xs[i][1], xs[i][0]
        return "xen", "(Xen)", None
    if va < 1 << 47:
        return "user", "(user space)", None
    i = bisect.bisect_right(gs[0], va) - 1
    if i < 0 or not gs[1][i][1]:
        return "other", "(unknown)", None
    return gs[1][i][1], gs[1][i][2], gs[1][i][0]


def insn_profile(rawdir, runs):
    """instructions per flip on the guest's CPU during the vsync flips, by function and
    by owner (module, kernel, Xen, user space), per module under test; None without a
    profile"""
    prof = load_prof(rawdir)
    kt = kernel_text(rawdir)
    if not prof:
        return None
    out = {}
    for r in runs:
        if r["scenario"] != "vsync" or r["module"] not in MODS:
            continue
        gs = None
        for test, kv in r["bench"]:
            if test != "flip" or kv.get("tag") != "vsync" or "insn_mark" not in kv:
                continue
            rows = prof.get(int(kv["insn_mark"]))
            gs = gs or guest_syms(os.path.join(r["dir"], "guest.log"), kt)
            if not rows or not gs:
                continue
            o = out.setdefault(r["module"], {"flips": 0, "guests": 0, "funcs": {}, "owners": {},
                                             "calls": {}})
            o["flips"] += int(kv["flips"])
            o["guests"] += 1
            for va, n, runs_ in rows:
                own, fn, start = owner_func(gs, va)
                key = own + ":" + fn
                o["funcs"][key] = o["funcs"].get(key, 0) + n
                o["owners"][own] = o["owners"].get(own, 0) + n
                if va == start:   # a function's first block: once per call
                    o["calls"][key] = o["calls"].get(key, 0) + runs_
    for o in out.values():
        for k in ("funcs", "owners", "calls"):
            o[k] = dict((f, n / o["flips"]) for f, n in o[k].items())
        o["total"] = sum(o["owners"].values())
    # functions under 20 instructions per flip in every module: one line per owner
    keep = set(f for o in out.values() for f, n in o["funcs"].items() if n >= 20)
    for o in out.values():
        for f in [f for f in o["funcs"] if f not in keep]:
            rest = f.split(":", 1)[0] + ":(the rest)"
            o["funcs"][rest] = o["funcs"].get(rest, 0) + o["funcs"].pop(f)
            o["calls"].pop(f, None)
    return out or None


def load(rawdir):
    runs = []
    marks = load_marks(rawdir)
    suite = os.path.join(rawdir, "bench-suite")
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
        for test, kv in bench:
            dl = insn_delta(marks, kv) if "insn_mark" in kv else None
            if dl:
                kv["insn_guest_cpu"], kv["insn_other_cpus"] = dl
        runs.append({"round": rnd, "n": n, "module": mod, "scenario": part, "dir": d,
                     "dstat": parse_dstat(os.path.join(d, "dstat.log")),
                     "bench": bench, "raw": raw, "info": info,
                     "verdict": rc + ("" if not problems else " PROBLEMS: " + " | ".join(problems[:3])),
                     "problems": problems,
                     "trace_dbufs": parse_trace(os.path.join(d, "be", "trace.log")),
                     "trace_timing": trace_timing(os.path.join(d, "be", "trace.log"))})
    runs.sort(key=lambda r: r["n"])
    return runs


def parse_dstat(path):
    """dom0's /proc/uptime notes (bench-dom0.sh dom0_req_dstat): {label: (uptime, idle)}"""
    out = {}
    try:
        for ln in open(path, errors="replace"):
            f = ln.split()
            if len(f) >= 3:
                out[f[0]] = (float(f[1]), float(f[2]))
    except (OSError, ValueError):
        pass
    return out


def dom0_busy(ds, name):
    """dom0's busy seconds and elapsed seconds between <name>-begin and <name>-end"""
    a, b = ds.get(name + "-begin"), ds.get(name + "-end")
    if not a or not b:
        return None
    up, idle = b[0] - a[0], b[1] - a[1]
    return {"elapsed_s": up, "busy_s": up - idle}


def suite_info(rawdir):
    """the rig's own verdict on the whole boot, and dom0's facts"""
    suite = os.path.join(rawdir, "bench-suite")
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
               "aflip": {"rt": [], "ioctl": [], "rate": [], "async": []},
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
                # every flip the backend saw in this guest (20 warm-up flips: part_main)
                f["flip"]["total_flips"] = f["flip"].get("total_flips", 0) + int(kv["flips"]) + 20
                f["flip"]["per_round_p50"].append(kv.get("rt_us_p50"))
                f["flip"].setdefault("by_round", {})[r["round"]] = kv.get("rt_us_p50")
                f["flip"].setdefault("p99_by_round", {})[r["round"]] = kv.get("rt_us_p99")
                f["flip"]["rate"].append(kv.get("rate_hz"))
            elif test == "flip" and kv.get("tag") == "async":
                # the same guest and backend as "fast": its flips are in the trace too
                f["flip"]["total_flips"] = f["flip"].get("total_flips", 0) + int(kv["flips"]) + 20
                f["aflip"].setdefault("by_round", {})[r["round"]] = kv.get("rt_us_p50")
                f["aflip"].setdefault("p99_by_round", {})[r["round"]] = kv.get("rt_us_p99")
                f["aflip"]["rate"].append(kv.get("rate_hz"))
                f["aflip"]["async"].append(int(kv.get("async", 0)))
            elif test == "flip" and kv.get("tag") == "vsync":
                f["vsync"]["rounds"].append(kv)
                f["vsync"].setdefault("by_round", {})[r["round"]] = cpu_ms(kv) / kv["flips"]
                if "insn_guest_cpu" in kv:
                    f["vsync"].setdefault("insn_by_round", {})[r["round"]] = kv["insn_guest_cpu"] / kv["flips"]
            elif test == "modeset":
                f["modeset"].setdefault("by_round", {})[r["round"]] = kv.get("on_us_p50")
            elif test == "idle" and r["scenario"] == "vsync":
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
                    if int(kv.get("fb", 1)) == 1:
                        b.setdefault("destroy_by_round", {})[r["round"]] = kv.get("destroy_us_p50")
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
        f["aflip"]["rt"] += raw.get("flip_rt_us.async", [])
        f["aflip"]["ioctl"] += raw.get("flip_ioctl_us.async", [])
        for s in SIZES:
            f["bufs"][s]["create"] += raw.get("create_us." + s, [])
            f["bufs"][s]["destroy"] += raw.get("destroy_us." + s, [])
            f["bufs"][s]["dumb"] += raw.get("dumb_us." + s, [])
            f["bufs"][s]["dumbdel"] += raw.get("dumbdel_us." + s, [])
        f["modeset"]["on"] += raw.get("modeset_on_us", [])
        f["modeset"]["off"] += raw.get("modeset_off_us", [])
        f["evt"]["rt"] += raw.get("evtping_rt_us", [])
    return fig


def cpu_ms(k):
    """the guest's CPU time over a measurement: the tasks' run time from /proc/schedstat
    (task_ms, ns resolution: exact) where xbench reports it, else busy_ms()"""
    return k["task_ms"] if "task_ms" in k else busy_ms(k)


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
    busy = sum(cpu_ms(k) for k in rounds)
    client = g("client_utime_ms") + g("client_stime_ms")
    ticks_kernel = g("stat_system_ms") + g("stat_irq_ms") + g("stat_softirq_ms")
    out = {
        "flips": flips, "wall_ms": wall, "rate_hz": flips * 1e3 / wall,
        "rate_hz_per_round": [k["rate_hz"] for k in rounds],
        # the figure: all CPU time the guest spent (client + kernel + workers) per flip
        "cpu_ms_per_flip": busy / flips,
        "cpu_ms_per_flip_per_round": [cpu_ms(k) / k["flips"] for k in rounds],
        "cpu_source": "schedstat" if all("task_ms" in k for k in rounds) else "proc_stat",
        "proc_stat_busy_ms_per_flip": sum(busy_ms(k) for k in rounds) / flips,
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
    # instructions counted by insncount.so (icount mode): on the guest's CPU (the guest
    # and Xen working for it) and on the other (dom0, the backend, Xen)
    if all("insn_guest_cpu" in k for k in rounds):
        out["insn_per_flip"] = g("insn_guest_cpu") / flips
        out["insn_per_flip_per_round"] = [k["insn_guest_cpu"] / k["flips"] for k in rounds]
        out["insn_other_cpus_per_flip"] = g("insn_other_cpus") / flips
        if idle and all("insn_guest_cpu" in k for k in idle):
            per_ms = sum(k["insn_guest_cpu"] for k in idle) / sum(k["wall_ms"] for k in idle)
            out["idle_insn_per_ms"] = per_ms
            out["idle_insn_per_flip_equiv"] = per_ms * wall / flips
            out["net_insn_per_flip"] = (g("insn_guest_cpu") - per_ms * wall) / flips
    if idle:
        iw = sum(k["wall_ms"] for k in idle)
        ib = sum(cpu_ms(k) for k in idle)
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
    # the buffer's own pages: ours allocates them directly, Debian's from shmem (whose
    # rise is kept as shmem_kb_per_buf); either way data_pages of 4 KiB
    data_kb = data_pages * 4 * held
    out = {"held": held, "size": size, "data_pages": data_pages, "dir_pages": dir_pages,
           "min_grants": data_pages + dir_pages,
           "mem_kb_per_buf": free / held, "data_kb_per_buf": data_kb / held,
           "shmem_kb_per_buf": shmem / held,
           "overhead_kb_per_buf": (free - data_kb) / held,
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
            "flip_async_rt_us": stats(f["aflip"]["rt"]),
            "flip_async_ioctl_us": stats(f["aflip"]["ioctl"]),
            "flip_async_rate_hz_per_round": f["aflip"]["rate"],
            # per guest: 1 = DRM_MODE_PAGE_FLIP_ASYNC was used, 0 = the module has no
            # DRM_CAP_ASYNC_PAGE_FLIP and xbench flipped plainly
            "flip_async_used": f["aflip"]["async"],
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
    gg = lambda x, k: x.get(k) if x else None
    rr("flip_rt_p50", g(o["flip_rt_us"], "p50"), g(d["flip_rt_us"], "p50"))
    rr("flip_rt_p99", g(o["flip_rt_us"], "p99"), g(d["flip_rt_us"], "p99"))
    rr("flip_rt_mean", g(o["flip_rt_us"], "mean"), g(d["flip_rt_us"], "mean"))
    rr("flip_async_rt_p50", g(o["flip_async_rt_us"], "p50"), g(d["flip_async_rt_us"], "p50"))
    rr("flip_async_rt_p99", g(o["flip_async_rt_us"], "p99"), g(d["flip_async_rt_us"], "p99"))
    rr("flip_async_rt_mean", g(o["flip_async_rt_us"], "mean"), g(d["flip_async_rt_us"], "mean"))
    rr("vsync_rate", g(o["vsync"], "rate_hz"), g(d["vsync"], "rate_hz"))
    rr("cpu_per_flip", g(o["vsync"], "cpu_ms_per_flip"), g(d["vsync"], "cpu_ms_per_flip"))
    rr("insn_per_flip", gg(o["vsync"], "insn_per_flip"), gg(d["vsync"], "insn_per_flip"))
    rr("net_insn_per_flip", gg(o["vsync"], "net_insn_per_flip"), gg(d["vsync"], "net_insn_per_flip"))
    rr("insn_other_cpus_per_flip", gg(o["vsync"], "insn_other_cpus_per_flip"), gg(d["vsync"], "insn_other_cpus_per_flip"))
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
        "insn_per_flip": paired(lambda f: f["vsync"].get("insn_by_round", {})),
        "modeset_on_p50": paired(lambda f: f["modeset"].get("by_round", {})),
        "flip_rt_p99": paired(lambda f: f["flip"].get("p99_by_round", {})),
        "flip_async_rt_p50": paired(lambda f: f["aflip"].get("by_round", {})),
        "flip_async_rt_p99": paired(lambda f: f["aflip"].get("p99_by_round", {})),
        "floor_p50": paired(lambda f: f["evt"].get("by_round", {})),
    }
    for sz in SIZES:
        P["create_p50_" + sz] = paired(lambda f: f["bufs"][sz].get("by_round", {}))
        P["create_dumb_p50_" + sz] = paired(lambda f: f["bufs"][sz].get("dumb_by_round", {}))
        P["destroy_p50_" + sz] = paired(lambda f: f["bufs"][sz].get("destroy_by_round", {}))
    # the spread of every paired ratio: how far single rounds stray from 1.00x (the floor)
    # or from the median (the rest)
    for k, v in P.items():
        if v:
            v["min"], v["max"] = min(v["per_round"]), max(v["per_round"])
            v["max_dev_from_median"] = max(abs(x / v["median"] - 1) for x in v["per_round"])
            v["max_dev_from_1"] = max(abs(x - 1) for x in v["per_round"])

    T = J["targets"]

    def target(name, value, limit, how):
        T.append({"target": name, "value": value, "limit": limit,
                  "met": None if value is None else value <= limit, "how": how})

    med = lambda k: P[k]["median"] if P.get(k) else None

    def target2(name, key, pooled, limit, note=None):
        T.append({"target": name, "value": med(key), "pooled": pooled, "limit": limit,
                  "per_round": P[key]["per_round"] if P.get(key) else None,
                  "met": None if med(key) is None or note else med(key) <= limit,
                  "how": "ratio", "note": note})

    # Judged on the instruction count where there is one (icount mode with insncount.so):
    # the run time from /proc/schedstat moves with the host's I/O timing (BENCHMARKS.md)
    if P.get("insn_per_flip"):
        target2("guest CPU per flip (backend at 60 Hz) <= 0.9x, as instructions executed on"
                " the guest's CPU", "insn_per_flip", R.get("insn_per_flip"), 0.9)
        target2("guest CPU per flip (backend at 60 Hz), as run time (/proc/schedstat)",
                "cpu_per_flip", R.get("cpu_per_flip"), 0.9,
                "not judged: the run time moves with the host's I/O timing; the instruction"
                " count above is the figure")
    else:
        target2("guest CPU per flip (backend at 60 Hz) <= 0.9x", "cpu_per_flip", R.get("cpu_per_flip"), 0.9)
    # The fastest flip each module offers a client (section 1): ours with
    # DRM_MODE_PAGE_FLIP_ASYNC, Debian's plain (it has no async flips, and its plain flip
    # completes at the backend's event already)
    target2("flip round trip p50 <= 0.9x (fastest flip: ours async, Debian's plain)",
            "flip_async_rt_p50", R.get("flip_async_rt_p50"), 0.9)
    target2("flip round trip p99 <= 0.9x (fastest flip: ours async, Debian's plain)",
            "flip_async_rt_p99", R.get("flip_async_rt_p99"), 0.9)
    vsync_note = ("not a target: ours completes a plain flip at a vblank of its own (the mode's"
                  " 60 Hz), as KMS drivers do; section 1")
    target2("plain flip round trip p50, both plain", "flip_rt_p50", R.get("flip_rt_p50"), 0.9, vsync_note)
    target2("plain flip round trip p99, both plain", "flip_rt_p99", R.get("flip_rt_p99"), 0.9, vsync_note)
    for sz in ("1024x768", "1920x1080"):
        target2("buffer create (CREATE_DUMB + ADDFB2) %s p50 <= 0.9x" % sz, "create_p50_" + sz, R.get("create_p50_" + sz), 0.9)
        target2("buffer destroy (RMFB + DESTROY_DUMB) %s p50 <= 0.9x" % sz, "destroy_p50_" + sz, R.get("destroy_p50_" + sz), 0.9)
    for mod, M in (("ours", o), ("debian", d)):
        nf = fig[mod]["flip"].get("total_flips")
        pg = (M.get("backend_ms") or {}).get("PG_FLIP")
        M["pg_flip_requests_per_flip"] = pg["n"] / nf if pg and nf else None
    v = o["pg_flip_requests_per_flip"]
    T.append({"target": "PG_FLIP requests per flip = 1 (backend's trace, unpaced flips)", "value": v,
              "limit": 1, "met": None if v is None else abs(v - 1) < 0.005, "how": "count"})
    for s in SIZES:
        h = o["bufs"][s]["hold"]
        if h and "grants_per_buf" in h:
            T.append({"target": "grants per %s buffer = minimum" % s,
                      "value": h["grants_per_buf"], "limit": h["min_grants"],
                      "met": h["grants_per_buf"] == h["min_grants"], "how": "count"})
        elif s != "2560x1440":   # (not held: part_main holds the other three sizes)
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


def md(J, extra_notes, mode="wall"):
    o, d, R = J["modules"]["ours"], J["modules"]["debian"], J["ratios"]
    m = J["machine"]
    g = lambda x, k: x.get(k) if x else None
    L = []
    A = L.append
    A("# Benchmarks: drm_xen_front (ours) vs Debian's drm_xen_front.ko (reference)")
    A("")
    A("Generated by `make bench` (`%s`) on %s. Numbers below are real: this file is written"
      " by `tests/bench/report.py` from the run's raw results (`build/bench/<mode>/raw/`,"
      " machine-readable copy in `build/bench/bench.json` and `tests/bench/last-run.json`)." %
      (J["command"], J["date"]))
    A("")
    A("**Read ratios, not absolute times.** Everything runs in the Xen rig: Xen %s under QEMU"
      " TCG (no KVM), PV dom0 + PV guest (1 vCPU each), on a shared 2-core host, so absolute"
      " times are those of an emulated CPU (in the deterministic mode: instruction counts),"
      " not of hardware. Both modules run under identical conditions in one QEMU boot"
      " (the rig's `bench-suite` scenario): dom0 starts a fresh guest per (round, module,"
      " part), the guest loads the module named on its command line (the same kernel, the"
      " same initramfs with both modules in it, the same backend binary and client), %d"
      " rounds with the order flipped every round: %s. Ratios are ours / Debian's (< 1:"
      " ours is faster or smaller); samples of all rounds are pooled per module." %
      (m.get("xen_version", "4.17"), J["rounds"], module_order(J["order"])))
    A("")
    A("**This document's tables: %s.** %s" % (MODE_TITLES[mode] % m.get("icount_spec", "") if mode == "icount" else MODE_TITLES[mode], mode_intro(mode, m)))
    A("")
    A("| machine | |")
    A("| --- | --- |")
    A("| host | %s CPU(s), %s, kernel %s |" % (m.get("nproc"), m.get("cpu"), m.get("host_kernel")))
    A("| emulator | %s, `-accel tcg -cpu max,-smap -smp 2 -m 1024%s` |" % (m.get("qemu"), " -icount " + m.get("icount_spec", "") if mode == "icount" else ""))
    A("| hypervisor | Xen %s (%s) |" % (m.get("xen_version", "?"), m.get("xen_pkg", "")))
    A("| guests | dom0 and domU: Debian %s, PV, 1 vCPU; domU 384 MiB |" % m.get("guest_kernel"))
    A("| modules | ours: sha256 %s, git %s, loaded with `fbdev=0`; Debian's: sha256 %s |"
      % (m.get("ours_ko"), m.get("git"), m.get("debian_ko")))
    A("| backend | tests/backend/vdispl-be in dom0: answers at once (part main) or paces flip"
      " events at 60 Hz (`--vsync-hz 60`, part vsync) |")
    A("| rig verdict | %s |" % (J.get("rig_verdict") or "n/a"))
    A("| host load, time | loadavg %s at the start, %s at the end; this mode's boots: %s s of QEMU (vdispl-be), %s s (displ_be); whole `make bench`: %s s (waits for the machine-wide QEMU lock included) |"
      % (m.get("loadavg_start"), m.get("loadavg_end"), m.get("qemu_s", "?"), m.get("dbe_qemu_s", "n/a"), m.get("wall_s")))
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
      " over all rounds' samples. " + (
        "In this mode the host's load does not enter the figures: the floor's own per-round"
        " ratio (section 6, a measurement that does not involve the display module at all)"
        " should read 1.00x in every round, and the spread table (after section 9) gives"
        " every ratio's rounds." if mode == "icount" else
        "The host is shared (other jobs compile and run QEMU"
        " between and beside ours), so single rounds swing: the per-round column shows by"
        " how much, and the floor's own per-round ratio (section 6, a measurement that does"
        " not involve the display module at all and should be 1.00x) shows how uneven the"
        " host was."))
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
        met = t.get("note") or {True: "yes", False: "**no**", None: "n/a"}[t["met"]]
        if (mode == "icount" and t["target"].startswith("guest CPU per flip")
                and (o.get("vsync") or {}).get("cpu_source") == "proc_stat"):
            met = "n/a: /proc/stat's 10 ms ticks cannot resolve it in this mode (this run's xbench had no schedstat figure)"
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
    A("Plain flips: ours completes each at a vblank of its own, at the mode's 60 Hz, with an"
      " exact, increasing vblank timestamp, as a KMS driver on hardware does (#13.5); Debian's"
      " completes it at the backend's EVT_PG_FLIP, so against a backend that answers at once"
      " it completes thousands of flips a second that no 60 Hz display shows. A client that"
      " wants the backend's pace asks for it with `DRM_MODE_PAGE_FLIP_ASYNC`"
      " (`DRM_CAP_ASYNC_PAGE_FLIP`): that is the fastest flip a module offers, compared next.")
    A("")
    ao, ad = o.get("flip_async_rt_us"), d.get("flip_async_rt_us")
    aio, aid = o.get("flip_async_ioctl_us"), d.get("flip_async_ioctl_us")
    used = lambda M: ", ".join("async" if x else "plain" for x in (M.get("flip_async_used") or [])) or "n/a"
    A("### 1b. The fastest flip each module offers (backend answering at once)")
    A("")
    A("`xbench flip --async`, in the same guests, right after the plain flips: with"
      " `DRM_MODE_PAGE_FLIP_ASYNC` where the module offers it (ours: the flip completes at"
      " its EVT_PG_FLIP; the framebuffer it replaced is still held until then), else plain"
      " flips (Debian's: `DRM_CAP_ASYNC_PAGE_FLIP` is 0 and it rejects the flag with"
      " EINVAL). %s flips per module. These are the flip round trip targets." % (ao["n"] if ao else "n/a"))
    A("")
    A("| | ours | reference | ratio |")
    A("| --- | --- | --- | --- |")
    A("| flip used, per guest | %s | %s | |" % (used(o), used(d)))
    A("| round trip p50 | %s | %s | %s |" % (fnum(ms(g(ao, "p50")), " ms", 3), fnum(ms(g(ad, "p50")), " ms", 3), fr(R.get("flip_async_rt_p50"))))
    A("| round trip p99 | %s | %s | %s |" % (fnum(ms(g(ao, "p99")), " ms", 3), fnum(ms(g(ad, "p99")), " ms", 3), fr(R.get("flip_async_rt_p99"))))
    A("| round trip mean | %s | %s | %s |" % (fnum(ms(g(ao, "mean")), " ms", 3), fnum(ms(g(ad, "mean")), " ms", 3), fr(R.get("flip_async_rt_mean"))))
    A("| ioctl p50 / p99 | %s / %s | %s / %s | |" % (fnum(ms(g(aio, "p50")), " ms", 3), fnum(ms(g(aio, "p99")), " ms", 3), fnum(ms(g(aid, "p50")), " ms", 3), fnum(ms(g(aid, "p99")), " ms", 3)))
    A("| flips/s (one in flight), per round | %s | %s | |" % (
        ", ".join(fnum(x) for x in (o.get("flip_async_rate_hz_per_round") or [])) or "n/a",
        ", ".join(fnum(x) for x in (d.get("flip_async_rate_hz_per_round") or [])) or "n/a"))
    for k, lab in (("flip_async_rt_p50", "p50"), ("flip_async_rt_p99", "p99")):
        pa = J["paired"].get(k)
        A("| %s ratio per round (ours / reference, same round) | %s | | median %s |" % (
            lab, ", ".join("%.2fx" % x for x in pa["per_round"]) if pa else "n/a",
            fr(pa["median"]) if pa else "n/a"))
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
    A("| **CPU per flip**%s | %s | %s | %s |" % (" (tasks' run time, /proc/schedstat)" if g(vo, "cpu_source") == "schedstat" else "", fnum(g(vo, "cpu_ms_per_flip"), " ms", 3), fnum(g(vd, "cpu_ms_per_flip"), " ms", 3), fr(R.get("cpu_per_flip"))))
    A("| /proc/stat: wall - idle - iowait - steal, per flip (10 ms ticks) | %s | %s | |" % (fnum(g(vo, "proc_stat_busy_ms_per_flip"), " ms", 3), fnum(g(vd, "proc_stat_busy_ms_per_flip"), " ms", 3)))
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
    if g(vo, "insn_per_flip") is not None or g(vd, "insn_per_flip") is not None:
        kin = lambda x: None if x is None else x / 1e3
        A("| **instructions per flip on the guest's CPU** (insncount.so; thousands) | %s | %s | %s |" % (
            fnum(kin(g(vo, "insn_per_flip")), "k", 1), fnum(kin(g(vd, "insn_per_flip")), "k", 1), fr(R.get("insn_per_flip"))))
        pi = J["paired"].get("insn_per_flip")
        A("| instructions per flip, ratio per round | %s | | median %s |" % (
            ", ".join("%.3fx" % x for x in pi["per_round"]) if pi else "n/a",
            fr(pi["median"]) if pi else "n/a"))
        A("| of which the idle guest's background (its rate over 3 s before the flips) | %s | %s | |" % (
            fnum(kin(g(vo, "idle_insn_per_flip_equiv")), "k", 1), fnum(kin(g(vd, "idle_insn_per_flip_equiv")), "k", 1)))
        A("| instructions per flip minus that background | %s | %s | %s |" % (
            fnum(kin(g(vo, "net_insn_per_flip")), "k", 1), fnum(kin(g(vd, "net_insn_per_flip")), "k", 1), fr(R.get("net_insn_per_flip"))))
        A("| instructions per flip on the other CPU (dom0: the backend; Xen) | %s | %s | %s |" % (
            fnum(kin(g(vo, "insn_other_cpus_per_flip")), "k", 1), fnum(kin(g(vd, "insn_other_cpus_per_flip")), "k", 1), fr(R.get("insn_other_cpus_per_flip"))))
    A("| idle guest's own background, per flip-time | %s | %s | |" % (
        fnum(g(vo, "idle_cpu_ms_per_flip_equiv"), " ms", 3), fnum(g(vd, "idle_cpu_ms_per_flip_equiv"), " ms", 3)))
    A("| CPU per flip minus that background | %s | %s | %s |" % (
        fnum(g(vo, "net_cpu_ms_per_flip"), " ms", 3), fnum(g(vd, "net_cpu_ms_per_flip"), " ms", 3), fr(R.get("net_cpu_per_flip"))))
    A("")
    if J.get("insn_profile"):
        insn_prof_md(A, J["insn_profile"])
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
      " the buffer's own data pages (ours allocates them directly, Debian's from shmem).")
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
    scale_md(A, J)
    dbe_md(A, J)
    spread_md(A, J)
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
    A("Reproduce: `make bench` (= `tests/bench/run.sh`; `--mode icount|wall|both`, `--parts"
      " core,scale,displ_be`, `--rounds N`, `--quick`, `--no-profile`); this run took %s s of"
      " wall time, QEMU included. The rig scenario is"
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


# ------------------------------------------------------------------ scale, fit, displ_be
def insn_prof_md(A, P, top=30):
    """where the guest CPU's instructions per flip go (insn_profile): by owner, then the
    functions that take the most in either module"""
    o, d = P.get("ours"), P.get("debian")
    if not o or not d:
        return
    k = lambda x: "%.1fk" % (x / 1e3)
    A("Where the instructions per vsync flip on the guest's CPU go (insncount.so's profile:")
    A("every translated block the guest's CPU executed between the flips' marks, named with")
    A("the guest's kallsyms; ours over %d guests, %d flips; Debian's over %d guests, %d flips)."
      % (o["guests"], o["flips"], d["guests"], d["flips"]))
    A("Xen is what the hypervisor executed on that CPU for the guest (hypercalls, event")
    A("delivery, PV page-table updates, scheduling), counted as one.")
    A("")
    A("| where | ours | Debian's | ours - Debian's |")
    A("|---|---|---|---|")
    owners = list(PROF_OWNERS) + sorted((set(o["owners"]) | set(d["owners"])) - set(PROF_OWNERS))
    for w in owners:
        a, b = o["owners"].get(w, 0), d["owners"].get(w, 0)
        if a or b:
            A("| %s | %s | %s | %+.1fk |" % (w, k(a), k(b), (a - b) / 1e3))
    A("| **total** | **%s** | **%s** | **%+.1fk** |" % (k(o["total"]), k(d["total"]), (o["total"] - d["total"]) / 1e3))
    A("")
    fs = sorted(set(o["funcs"]) | set(d["funcs"]),
                key=lambda f: -max(o["funcs"].get(f, 0), d["funcs"].get(f, 0)))[:top]
    A("The %d functions that take the most per flip in either module (owner:function;" % len(fs))
    A("the modules' own functions have different names: each is its module's code; calls per")
    A("flip counted at each function's first block, blank where no call entered it):")
    A("")
    A("| function | ours | calls | Debian's | calls | ours - Debian's |")
    A("|---|---|---|---|---|---|")
    c = lambda M, f: "%.2f" % M["calls"][f] if f in M["calls"] else ""
    for f in fs:
        a, b = o["funcs"].get(f, 0), d["funcs"].get(f, 0)
        A("| `%s` | %s | %s | %s | %s | %+.2fk |" % (f, k(a), c(o, f), k(b), c(d, f), (a - b) / 1e3))
    A("")
    diff = sorted(set(o["funcs"]) | set(d["funcs"]),
                  key=lambda f: -(o["funcs"].get(f, 0) - d["funcs"].get(f, 0)))
    A("Where ours executes most more than Debian's: %s. Where it executes most less: %s." % (
        ", ".join("`%s` %+.1fk" % (f, (o["funcs"].get(f, 0) - d["funcs"].get(f, 0)) / 1e3) for f in diff[:8]),
        ", ".join("`%s` %+.1fk" % (f, (o["funcs"].get(f, 0) - d["funcs"].get(f, 0)) / 1e3) for f in diff[::-1][:8])))
    A("")


def lin_fit(pts):
    """least squares y = a + b x over [(x, y)] -> {a, b, r2, max_rel_resid}"""
    if len(pts) < 2:
        return None
    n = len(pts)
    mx = sum(x for x, _ in pts) / n
    my = sum(y for _, y in pts) / n
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    if sxx == 0:
        return None
    b = sum((x - mx) * (y - my) for x, y in pts) / sxx
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for _, y in pts)
    ss_res = sum((y - a - b * x) ** 2 for x, y in pts)
    return {"a": a, "b": b, "n": n, "r2": 1 - ss_res / ss_tot if ss_tot else 1.0,
            "max_rel_resid": max(abs(y - a - b * x) / y for x, y in pts if y)}


def size_fits(J):
    """create cost against size, per module: linear in 4 KiB pages?"""
    out = {}
    for m in MODS:
        M = J["modules"][m]
        fits = {}
        for key, label in (("create_dumb_us", "CREATE_DUMB"), ("create_us", "CREATE_DUMB + ADDFB2"),
                           ("destroy_dumb_us", "DESTROY_DUMB")):
            pts = []
            for sz in SIZES:
                b = M["bufs"].get(sz) or {}
                st = b.get(key)
                w, h = map(int, sz.split("x"))
                if st:
                    pts.append((-(-(w * h * 4) // 4096), st["p50"]))
            f = lin_fit(pts)
            if f:
                f["label"] = label
                f["points"] = pts
            fits[key] = f
        out[m] = fits
    return out


def scale_summary(runs):
    """multiflip on 1..8 connectors: {module: {conns: {...}}}"""
    out = {}
    for r in runs:
        if r["scenario"] != "scale":
            continue
        ds = r["dstat"]
        base = dom0_busy(ds, "idle")
        base_rate = base["busy_s"] / base["elapsed_s"] if base and base["elapsed_s"] > 0 else None
        for test, kv in r["bench"]:
            if test != "multiflip" or "error" in kv:
                continue
            c = int(kv["conns"])
            flips = kv["flips"]
            busy = cpu_ms(kv)
            e = {"conns": c, "flips": flips, "iterations": kv["iterations"],
                 "agg_rate_hz": kv["agg_rate_hz"], "iter_us_p50": kv.get("iter_us_p50"),
                 "cpu_ms_per_flip": busy / flips, "busy_share": busy / kv["wall_ms"],
                 "intr_per_flip": kv["stat_intr"] / flips, "ctxt_per_flip": kv["stat_ctxt"] / flips}
            db = dom0_busy(ds, "mf%d" % c)
            if db:
                e["dom0_cpu_ms_per_flip"] = db["busy_s"] * 1e3 / flips
                if base_rate is not None:
                    e["dom0_net_cpu_ms_per_flip"] = (db["busy_s"] - base_rate * db["elapsed_s"]) * 1e3 / flips
            out.setdefault(r["module"], {})[c] = e
    return out


def dbe_summary(runs):
    """displ_be as the backend: flip round trips and CPU per flip, per module"""
    out = {}
    for r in runs:
        if r["scenario"] != "dbe":
            continue
        ds = r["dstat"]
        base = dom0_busy(ds, "idle")
        base_rate = base["busy_s"] / base["elapsed_s"] if base and base["elapsed_s"] > 0 else None
        for test, kv in r["bench"]:
            if test != "flip" or kv.get("tag") != "dbe" or "error" in kv:
                continue
            flips = kv["flips"]
            busy = cpu_ms(kv)
            e = {"flips": flips, "rate_hz": kv["rate_hz"], "rt_us_p50": kv["rt_us_p50"],
                 "rt_us_p99": kv["rt_us_p99"], "rt_us_mean": kv["rt_us_mean"],
                 "ioctl_us_p50": kv.get("ioctl_us_p50"),
                 "cpu_ms_per_flip": busy / flips, "cpu_source": "schedstat" if "task_ms" in kv else "proc_stat",
                 "client_cpu_ms_per_flip": (kv["client_utime_ms"] + kv["client_stime_ms"]) / flips,
                 "intr_per_flip": kv["stat_intr"] / flips, "ctxt_per_flip": kv["stat_ctxt"] / flips,
                 "round": r["round"]}
            db = dom0_busy(ds, "flip")
            if db:
                e["dom0_cpu_ms_per_flip"] = db["busy_s"] * 1e3 / flips
                if base_rate is not None:
                    e["dom0_net_cpu_ms_per_flip"] = (db["busy_s"] - base_rate * db["elapsed_s"]) * 1e3 / flips
            out.setdefault(r["module"], []).append(e)
    return out


def main_dom0(runs):
    """dom0's CPU per flip with vdispl-be (main part's unpaced flips), gross"""
    out = {}
    for r in runs:
        if r["scenario"] != "main":
            continue
        db = dom0_busy(r["dstat"], "flip")
        fl = [kv for t, kv in r["bench"] if t == "flip" and kv.get("tag") == "fast" and "error" not in kv]
        if db and fl:
            out.setdefault(r["module"], []).append(db["busy_s"] * 1e3 / fl[0]["flips"])
    return out


def scale_md(A, J):
    S = J.get("scale") or {}
    F = J.get("size_fits") or {}
    if S:
        A("## 7. Scale: flips on 1, 2, 4 and 8 connectors at once")
        A("")
        A("`xbench multiflip --conns C`: C connectors (1024x768 each, its own CRTC, two buffers"
          " each), per iteration one `drmModePageFlip(EVENT)` on every connector, all C in"
          " flight, then wait for the C events; backend answering at once. One guest per module"
          " (the *scale* part: the guest has 8 connectors, Debian's module 4, its maximum: with"
          " more it never connects). *aggregate rate* = flips per second over all connectors;"
          " *CPU per flip* = the guest's busy time (as in section 2) / flips; *dom0 per flip* ="
          " dom0's busy time over the same flips (from its `/proc/uptime`, 10 ms resolution)"
          " minus its own background (the rig's polling loop, measured over 3 s of a quiet"
          " guest) / flips.")
        A("")
        A("| connectors | aggregate rate ours | ref | ratio | CPU per flip ours | ref | ratio | interrupts / ctxt per flip ours | ref | dom0 per flip ours | ref |")
        A("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        so, sd = S.get("ours", {}), S.get("debian", {})
        for c in (1, 2, 4, 8):
            a, b = so.get(c) or so.get(str(c)), sd.get(c) or sd.get(str(c))
            if not a and not b:
                continue
            g = lambda x, k: x.get(k) if x else None
            A("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                c, fnum(g(a, "agg_rate_hz"), " /s"), fnum(g(b, "agg_rate_hz"), " /s"),
                fr(ratio(g(a, "agg_rate_hz"), g(b, "agg_rate_hz"))),
                fnum(g(a, "cpu_ms_per_flip"), " ms", 3), fnum(g(b, "cpu_ms_per_flip"), " ms", 3),
                fr(ratio(g(a, "cpu_ms_per_flip"), g(b, "cpu_ms_per_flip"))),
                "%s / %s" % (fnum(g(a, "intr_per_flip"), "", 2), fnum(g(a, "ctxt_per_flip"), "", 2)) if a else "n/a",
                "%s / %s" % (fnum(g(b, "intr_per_flip"), "", 2), fnum(g(b, "ctxt_per_flip"), "", 2)) if b else "n/a (max 4 connectors)",
                fnum(g(a, "dom0_net_cpu_ms_per_flip"), " ms", 3), fnum(g(b, "dom0_net_cpu_ms_per_flip"), " ms", 3)))
        A("")
    if F and any(F.get(m, {}).get("create_dumb_us") for m in MODS):
        A("## 8. Buffer create cost against size")
        A("")
        A("p50 of section 3 against the buffer's 4 KiB pages (1024x768: 768, 1920x1080: 2025,"
          " 2560x1440: 3600, 3840x2160: 8100), least-squares line *cost = constant + pages x"
          " per-page*. CREATE_DUMB alone covers every size for both modules (Debian's"
          " cannot make 3840x2160 framebuffers: its ADDFB2 line has the sizes it takes).")
        A("")
        A("| module | measure | sizes | constant | per page | R^2 | worst point off the line |")
        A("| --- | --- | --- | --- | --- | --- | --- |")
        for m, lab in (("ours", "ours"), ("debian", "reference")):
            for key in ("create_dumb_us", "create_us", "destroy_dumb_us"):
                f = (F.get(m) or {}).get(key)
                if not f:
                    continue
                A("| %s | %s | %d | %s | %.2f us | %.4f | %.1f%% |" % (
                    lab, f["label"], f["n"], fnum(ms(f["a"]), " ms", 2), f["b"], f["r2"],
                    100 * f["max_rel_resid"]))
        A("")


def dbe_md(A, J):
    D = J.get("displ_be") or {}
    if not D:
        return
    A("## 9. displ_be as the backend")
    A("")
    A("The same flip loop (`xbench flip`, one in flight, 1024x768) with xen-troops displ_be"
      " (tests/rig/mkdisplbe.sh: DRM mode, no zero-copy: it copies every flipped buffer into"
      " its own dumb buffer on dom0's bochs-drm display) instead of vdispl-be, in a second"
      " boot of the rig (`--backend displ_be`), one guest per module. *dom0 per flip* as in"
      " section 7 (displ_be's copy is there). Flips are not paced by a vblank (bochs-drm has"
      " none), so this is the round trip at full speed.")
    A("")
    A("| | ours | reference | ratio |")
    A("| --- | --- | --- | --- |")
    mean = lambda L, k: statistics.fmean([e[k] for e in L if e.get(k) is not None]) if L and any(e.get(k) is not None for e in L) else None
    a, b = D.get("ours") or [], D.get("debian") or []
    for k, lab, unit, conv, nd in (("rt_us_p50", "round trip p50", " ms", ms, 2), ("rt_us_p99", "round trip p99", " ms", ms, 2),
                                   ("rate_hz", "flips/s", "", None, 1),
                                   ("cpu_ms_per_flip", "guest CPU per flip" + (" (/proc/stat's 10 ms ticks: not resolvable under icount; this run's xbench had no schedstat figure)" if any(e.get("cpu_source") == "proc_stat" for e in a + b) and J.get("mode") == "icount" else ""), " ms", None, 3),
                                   ("client_cpu_ms_per_flip", "of which the client", " ms", None, 3),
                                   ("dom0_net_cpu_ms_per_flip", "dom0 CPU per flip (displ_be)", " ms", None, 3),
                                   ("intr_per_flip", "guest interrupts per flip", "", None, 2),
                                   ("ctxt_per_flip", "guest context switches per flip", "", None, 2)):
        x, y = mean(a, k), mean(b, k)
        cx = conv(x) if conv and x is not None else x
        cy = conv(y) if conv and y is not None else y
        A("| %s | %s | %s | %s |" % (lab, fnum(cx, unit, nd), fnum(cy, unit, nd), fr(ratio(x, y))))
    A("")


def spread_md(A, J):
    P = J.get("paired") or {}
    keys = [k for k in sorted(P) if P[k]]
    if not keys:
        return
    A("## Spread of the per-round ratios")
    A("")
    A("Every ratio taken per round (ours / reference, the two guests of a round back to back"
      " in one boot): its rounds, median, range, and the largest deviation of one round from"
      " the median (for the floor: from 1.00, the issue's acceptance is +-0.03).")
    A("")
    A("| ratio | per round | median | min - max | max deviation |")
    A("| --- | --- | --- | --- | --- |")
    for k in keys:
        v = P[k]
        dev = v["max_dev_from_1"] if k == "floor_p50" else v["max_dev_from_median"]
        A("| %s | %s | %.3f | %.3f - %.3f | %s%.1f%% |" % (
            k + (" (from 1.00)" if k == "floor_p50" else ""),
            ", ".join("%.3f" % x for x in v["per_round"]), v["median"], v["min"], v["max"],
            "**" if k == "floor_p50" and dev > 0.03 else "", 100 * dev))
    A("")


MODE_TITLES = {
    "icount": "Deterministic mode: instruction-counted time (QEMU `-icount %s`)",
    "wall": "Wall-clock mode: plain TCG, host time",
}


def tsc_note(machine):
    """what the guests' tsc_mode was (run.sh --tsc)"""
    tsc = machine.get("tsc_mode", "default")
    if tsc == "native":
        return ("The guests read the TSC natively (xl `tsc_mode=\"native\"`), as they do on"
                " hardware with an invariant TSC; under TCG, Xen's default would emulate"
                " every RDTSC (a trap and about 1,400 instructions in Xen), which hardware"
                " does not (`tests/bench/run.sh --tsc default` measures that).")
    return ("The guests' TSC is Xen's default: under TCG (no invariant TSC) Xen emulates"
            " every RDTSC of a PV guest, about 1,400 instructions in Xen per clock read,"
            " which hardware with an invariant TSC does not do.")


def mode_intro(mode, machine):
    if mode == "icount":
        return ("QEMU runs with `-icount %s`: one instruction = 2^shift ns of virtual time and,"
                " with sleep=off, an idle machine jumps to its next timer at once. The vCPUs run"
                " round-robin in one host thread (multi-threaded TCG is off with icount), and"
                " every clock the guests and Xen read (TSC, APIC timer, HPET, PIT) follows the"
                " instructions executed, not the host. So every time below is an instruction"
                " count (in virtual ns: the guest's and dom0's instructions together, as they"
                " interleave) and the host's load does not enter it; what remains is the order"
                " in which QEMU's I/O thread delivers disk and console completions. That order"
                " moves run times taken from a clock (a guest's busy time includes whatever the"
                " other vCPU executed in between); so the guest is pinned to Xen's CPU 1 and"
                " dom0 to CPU 0, and a QEMU plugin (tests/bench/insncount.c) counts the"
                " instructions each CPU executes between marks in xbench: the guest's CPU cost"
                " as a count that nothing outside the guest moves (section 2). %s"
                % (machine.get("icount_spec", "shift=0,sleep=off"), tsc_note(machine)))
    return ("QEMU runs as in every rig scenario (multi-threaded TCG, each vCPU a host thread,"
            " clocks follow the host): times include the host's load.")


def read_kv(path, into):
    try:
        for ln in open(path):
            if "=" in ln:
                k, v = ln.rstrip("\n").split("=", 1)
                into[k] = v
    except OSError:
        pass
    return into


def one_mode(build, mode, cmd):
    """-> J for one mode's raw results, or None"""
    base = os.path.join(build, mode)
    raw = os.path.join(base, "raw")
    if not os.path.isdir(raw) and mode == "wall" and os.path.isdir(os.path.join(build, "raw")):
        base, raw = build, os.path.join(build, "raw")   # a run from before the modes
    machine = read_kv(os.path.join(build, "machine.txt"), {})
    m = re.search(r"icount=(\S+)", machine.get("rounds", ""))
    if m:
        machine["icount_spec"] = m.group(1)
    m = re.search(r"tsc=(\S+)", machine.get("rounds", ""))
    machine["tsc_mode"] = m.group(1) if m else "default"
    read_kv(os.path.join(base, "machine-real.txt"), machine)
    dbe_m = read_kv(os.path.join(base, "machine-displ_be.txt"), {})
    if dbe_m.get("qemu_s"):
        machine["dbe_qemu_s"] = dbe_m["qemu_s"]
    machine["wall_s"] = read_kv(os.path.join(build, "machine.txt"), {}).get("wall_s", machine.get("wall_s"))
    runs = load(raw)
    runs_dbe = load(os.path.join(base, "raw-displ_be"))
    if not runs and not runs_dbe:
        return None
    si = suite_info(raw)
    if si["xl"].get("xen_version"):
        machine["xen_version"] = si["xl"]["xen_version"]
    fig = collect(runs)
    J = build_json(fig, machine, runs, cmd)
    J["mode"] = mode
    J["rig_verdict"] = si["verdict"]
    J["scale"] = scale_summary(runs)
    J["insn_profile"] = insn_profile(raw, runs)
    J["size_fits"] = size_fits(J)
    J["displ_be"] = dbe_summary(runs_dbe)
    J["displ_be_rig_verdict"] = suite_info(os.path.join(base, "raw-displ_be"))["verdict"]
    J["dom0_cpu_ms_per_flip_vdispl_be"] = main_dom0(runs)
    J["problems"] += [p for r in runs_dbe for p in r["problems"]]
    return J


def compare_md(Js):
    """targets side by side when more than one mode ran"""
    L = ["## The modes side by side", "",
         "The targets in each mode this run measured (median of the per-round ratios; the"
         " floor should read 1.00x). The sections after this one are the %s mode's; the"
         " other mode's full tables follow them." % Js[0]["mode"], "",
         "| target | " + " | ".join(MODE_TITLES[J["mode"]].split(":")[0] for J in Js) + " |",
         "| --- |" + " --- |" * len(Js)]
    names = [t["target"] for t in Js[0]["targets"]]
    for n in names:
        row = []
        for J in Js:
            t = [x for x in J["targets"] if x["target"] == n]
            v = t[0]["value"] if t else None
            row.append("n/a" if v is None else ("%.2fx" % v if t[0]["how"] == "ratio" else "%g" % v))
        L.append("| %s | %s |" % (n, " | ".join(row)))
    row = []
    for J in Js:
        p = J["paired"].get("floor_p50")
        row.append("%.3fx (rounds %s)" % (p["median"], ", ".join("%.3f" % x for x in p["per_round"])) if p else "n/a")
    L.append("| *the floor* | %s |" % " | ".join(row))
    return "\n".join(L) + "\n\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--cmd", default="make bench")
    ap.add_argument("--modes", default="icount wall", help="modes to report, the first is the primary")
    ap.add_argument("--md", default=None, help="output markdown (default <repo>/BENCHMARKS.md)")
    ap.add_argument("--notes", default=None, help="markdown appended before 'Runs' (default: tests/bench/analysis.md)")
    a = ap.parse_args()
    Js = [J for J in (one_mode(a.build, m, a.cmd) for m in a.modes.split()) if J]
    if not Js:
        print("report.py: no results under %s/{%s}/raw" % (a.build, ",".join(a.modes.split())), file=sys.stderr)
        return 1
    out = dict(Js[0])
    out["modes"] = {J["mode"]: J for J in Js}
    out["primary_mode"] = Js[0]["mode"]
    os.makedirs(a.build, exist_ok=True)
    with open(os.path.join(a.build, "bench.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True, default=str)
    notes_path = a.notes or os.path.join(a.repo, "tests", "bench", "analysis.md")
    notes = open(notes_path).read() if os.path.exists(notes_path) else ""
    doc = md(Js[0], notes, Js[0]["mode"])
    if len(Js) > 1:
        k = doc.index("\n## Targets")
        doc = doc[:k + 1] + compare_md(Js) + doc[k + 1:]
    for J in Js[1:]:
        body = md(J, "", J["mode"])
        body = body[body.index("\n## Targets") + 1:]
        body = "\n".join(("#" + ln) if ln.startswith("#") else ln for ln in body.splitlines())
        doc += "\n# %s\n\n%s\n\n%s\n" % (MODE_TITLES[J["mode"]] % J["machine"].get("icount_spec", "") if J["mode"] == "icount" else MODE_TITLES[J["mode"]],
                                            mode_intro(J["mode"], J["machine"]), body)
    with open(a.md or os.path.join(a.repo, "BENCHMARKS.md"), "w") as f:
        f.write(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
