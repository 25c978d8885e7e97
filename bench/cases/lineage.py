# SPDX-License-Identifier: Apache-2.0
"""Case lineage, issue 15 part B (ancestors, user names), each on against off in one pass: procship's CPU per 1,000
execs (interleaved runs of the same exec loop, rotating the order of the modes), and the peak
RSS after many execs with ancestors on against off."""
import os
import statistics
import time

from lib.env import fail
from lib.proc import Procship, proc_cpu, proc_status, run_execloop
from lib.receivers import Sink
from lib.results import note, row

MODES = [
    ("off", []),
    ("--enable-ancestors base", ["--enable-ancestors", "base"]),
    ("--username-metadata unix", ["--username-metadata", "unix"]),
    ("both", ["--enable-ancestors", "base", "--username-metadata", "unix"]),
]


def one_run(flags, n, tag):
    """n execs with procship running with flags; its CPU (schedstat ns), peak RSS, losses."""
    marker = f"psb-lin-{os.getpid()}-{tag}"
    sink = Sink("--match", '"process_exec"', "--match", f'"arguments":"{marker}"',
                "--count", str(n), max_seconds=900)
    ps = Procship("--udp-output-enabled", "--udp-output-address", f"127.0.0.1:{sink.port}",
                  *flags)
    time.sleep(0.2)
    cpu0 = proc_cpu(ps.p.pid)
    r = run_execloop(n, "--arg", marker, timeout=900)
    res = sink.finish(timeout=30)
    cpu1 = proc_cpu(ps.p.pid)
    hwm = proc_status(ps.p.pid, "VmHWM")
    rc, _ = ps.stop()
    if rc != 0:
        fail(f"procship {' '.join(flags)} exited {rc}")
    if not r:
        return None
    execs = int(r["execs"])
    return {"ms_per_1000": (cpu1[1] - cpu0[1]) / execs * 1e6, "hwm_kb": hwm,
            "lost": execs - int(res.get("matched", 0)), "execs": execs}


def lineage_case(reps, n, rss_n):
    runs = {name: [] for name, _ in MODES}
    for rep in range(reps):
        order = MODES[rep % len(MODES):] + MODES[:rep % len(MODES)]
        for name, flags in order:
            m = one_run(flags, n, f"{rep}-{len(runs[name])}")
            if m:
                runs[name].append(m)
    base = statistics.median(x["ms_per_1000"] for x in runs["off"]) if runs["off"] else 0
    for name, _ in MODES:
        cpu = [x["ms_per_1000"] for x in runs[name]]
        if not cpu:
            continue
        med = statistics.median(cpu)
        row("lineage", name=f"procship CPU per 1,000 execs, {name}", value=f"{med:.1f} ms",
            detail=f"{len(cpu)} runs × {n} execs, min–max {min(cpu):.1f}–{max(cpu):.1f} ms; "
                   f"lost {sum(x['lost'] for x in runs[name])}",
            ratio=f"{med / base:.2f}" if base else "")
    for name, flags in [MODES[0], MODES[1]]:
        m = one_run(flags, rss_n, f"rss-{name[:3]}")
        if m:
            row("lineage", name=f"peak RSS (VmHWM) after {m['execs']:,} execs, {name}",
                value=f"{m['hwm_kb'] / 1024:.1f} MiB", detail=f"lost {m['lost']}", ratio="")
    note("lineage", "CPU is schedstat time of procship itself (capture, cache, encoding, "
         "sending) while the exec loop ran; the modes alternate in a rotating order so that "
         "host noise spreads over all of them.")
