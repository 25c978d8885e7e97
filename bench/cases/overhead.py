# SPDX-License-Identifier: Apache-2.0
"""Case 1, exec capture overhead: a max-rate fork + exec loop untraced and traced, in
interleaved pairs (ABBA order). The tracer is procship, bpftrace, auditd or auditd + laurel;
with --baseline,
every procship rep also runs the baseline binary, back to back with the current one."""
import os
import time

from cases import tracers
from lib import env
from lib.env import fail, log
from lib.proc import (Procship, bpf_prog_names, bpf_prog_stats, proc_cpu, proc_status,
                      ringbuf_rss_kb, run_execloop)
from lib.receivers import Sink
from lib.results import DETAILS, ROWS, row
from lib.stats import med, median_ci, spread

MARK = {"untraced": "-u", "procship-baseline": "-b"}


def run_untraced(n, marker):
    r = run_execloop(n, "--arg", marker)
    return r and {"wall": int(r["wall_ns"]) / 1e9, "cpu": float(r["cpu_ns"]) / 1e9}


def _bpf_delta(bpf0, bpf1):
    return {i: (bpf1[i][0] - bpf0.get(i, (0, 0))[0], bpf1[i][1] - bpf0.get(i, (0, 0))[1])
            for i in bpf1}


def run_procship(n, marker, binary=None, extra=(), names=False):
    """One execloop run with procship (and extra options) shipping to a holding udp_sink;
    None if it failed. names: also the BPF programs' names, read while procship holds them."""
    # The receiver holds its datagrams in its socket buffer until the loop is over: a
    # remote one takes no CPU from the traced host, one on loopback would compete with the
    # loop being measured. It still counts every exec event afterwards.
    sink = Sink("--match", '"process_exec"', "--match", f'"arguments":"{marker}"',
                "--count", str(n), "--hold", max_seconds=300)
    ps = Procship("--udp-output-enabled", "--udp-output-address", f"127.0.0.1:{sink.port}",
                  *extra, binary=binary)
    time.sleep(0.2)  # let the start-up /proc scan settle before measuring
    cpu0 = proc_cpu(ps.p.pid)
    bpf0 = bpf_prog_stats(ps.p.pid)
    r = run_execloop(n, "--arg", marker)
    time.sleep(0.05)  # procship's last poll (5 ms) and its send
    sink.release()
    res = sink.finish(timeout=15)
    cpu1 = proc_cpu(ps.p.pid)
    bpf1 = bpf_prog_stats(ps.p.pid)
    hwm = proc_status(ps.p.pid, "VmHWM")
    rss_anon = proc_status(ps.p.pid, "RssAnon")
    rb = ringbuf_rss_kb(ps.p.pid)
    prog_names = bpf_prog_names(bpf1.keys()) if names else {}
    rc, _ = ps.stop()
    if rc != 0:
        fail(f"procship exited {rc}: {ps.stderr()[-400:]}")
    if not r:
        return None
    got = int(res.get("matched", 0))
    return {"wall": int(r["wall_ns"]) / 1e9, "cpu": float(r["cpu_ns"]) / 1e9,
            "lost": n - got, "got": got,
            "cpu_stat": cpu1[0] - cpu0[0], "cpu_sched": cpu1[1] - cpu0[1],
            "bpf": _bpf_delta(bpf0, bpf1), "names": prog_names, "hwm": hwm, "rss_anon": rss_anon, "ringbuf_rss": rb,
            "summary": [l for l in ps.stderr().splitlines() if "events:" in l or "udp:" in l]}


def traced_run(kind, n, marker, state):
    """One execloop run under a tracer. Returns dict(wall, lost, extra...) or None."""
    if kind == "untraced":
        return run_untraced(n, marker)
    if kind == "procship":
        return run_procship(n, marker)
    if kind == "procship-baseline":
        return run_procship(n, marker, env.BASELINE)
    if kind == "bpftrace":
        return tracers.run_bpftrace(n, marker, state)
    if kind == "auditd":
        return tracers.run_auditd(n, marker, state)
    if kind == "laurel":
        return tracers.run_auditd(n, marker, state, laurel=True)
    raise ValueError(kind)


class Pairs:
    """The untraced / traced pairs of one tracer."""

    def __init__(self):
        self.base, self.traced, self.pairs, self.lost = [], [], [], []
        self.extra, self.cpu_pairs, self.tracer_cpu = [], [], []

    def add(self, u, t):
        self.base.append(u["wall"])
        self.traced.append(t["wall"])
        self.pairs.append((t["wall"] / u["wall"] - 1) * 100)
        self.cpu_pairs.append((t["cpu"] / u["cpu"] - 1) * 100)
        if "cpu_sched" in t:
            self.tracer_cpu.append(t["cpu_sched"] / u["cpu"] * 100)
        self.lost.append(t["lost"])
        self.extra.append(t)


def rep_order(kind, rep):
    if kind == "procship" and env.BASELINE:
        order = ["untraced", "procship-baseline", "procship"]
        return order if rep % 2 == 0 else list(reversed(order))
    return ["untraced", kind] if rep % 2 == 0 else [kind, "untraced"]


def record(kind, rep, order, acc):
    """Log and keep the detail line of the last pair of acc."""
    log(f"{kind} rep {rep}: untraced {acc.base[-1]:.3f}s traced {acc.traced[-1]:.3f}s "
        f"({acc.pairs[-1]:+.1f}%) loop cpu {acc.cpu_pairs[-1]:+.1f}% lost {acc.lost[-1]}")
    DETAILS.append(f"{kind} pair {rep} ({' then '.join(order)}): untraced "
                   f"{acc.base[-1]:.3f} s, traced {acc.traced[-1]:.3f} s ({acc.pairs[-1]:+.1f}%), "
                   f"loop CPU {acc.cpu_pairs[-1]:+.1f}%, "
                   f"lost {acc.lost[-1]}, load {env.loadavg()}")


def run_pairs(kind, reps, n, state, accs):
    """Every rep of KIND (accs: a Pairs per traced kind); False if the tracer could not run."""
    for rep in range(reps):
        marker = f"psb-{kind}-{os.getpid()}-{rep}"
        order = rep_order(kind, rep)
        got = {}
        for k in order:
            got[k] = traced_run(k, n, marker + MARK.get(k, ""), state)
        if not all(got.values()):
            continue
        if "error" in got[kind]:
            row(kind, name=kind, status="could not run: " + got[kind]["error"].strip()
                .replace("\n", " ").replace("|", "/"))
            return False
        for k, acc in accs.items():
            acc.add(got["untraced"], got[k])
            record(k, rep, order, acc)
    return True


def command(kind, n, state):
    if kind == "procship":
        return (f"procship --udp-output-enabled --udp-output-address 127.0.0.1:SINK "
                f"(+ bench/udp_sink); execloop --count {n} nop")
    if kind == "procship-baseline":
        return (f"{env.BASELINE} --udp-output-enabled --udp-output-address 127.0.0.1:SINK "
                f"(+ bench/udp_sink); execloop --count {n} nop")
    return tracers.command(kind, n, state)


def overhead_row(kind, n, state, acc):
    target = {"procship": "≤ 3%, 0 lost", "procship-baseline": "baseline"}.get(kind, "comparison")
    met = ""
    if kind == "procship":
        met = "yes" if med(acc.pairs) <= 3 and max(acc.lost) == 0 else "no"
    case = "overhead" if kind.startswith("procship") else kind
    tracer_cpu = acc.tracer_cpu
    row(case, name=f"exec overhead: {kind}", cmd=command(kind, n, state), runs=len(acc.pairs),
        base_med=med(acc.base), base_spread=spread(acc.base, "{:.3f}"),
        traced_med=med(acc.traced), traced_spread=spread(acc.traced, "{:.3f}"),
        pct_med=med(acc.pairs), pct_spread=spread(acc.pairs, "{:+.1f}"), lost=acc.lost,
        pct_ci="{:+.1f}–{:+.1f}".format(*median_ci(acc.pairs)),
        pct_of_medians=(med(acc.traced) / med(acc.base) - 1) * 100,
        pct_of_minima=(min(acc.traced) / min(acc.base) - 1) * 100,
        cpu_med=med(acc.cpu_pairs), cpu_spread=spread(acc.cpu_pairs, "{:+.1f}"),
        tracer_cpu=(f"{med(tracer_cpu):.1f}% ({spread(tracer_cpu)})" if tracer_cpu
                    else "not measured"),
        execs_per_s_base=n / med(acc.base), target=target, met=met)
    if kind == "procship":
        ROWS["_procship_runs"] = acc.extra


def vs_baseline(cur, base):
    """Per rep, the current binary's figures relative to the baseline's (%)."""
    def ratios(f):
        return [(f(c) / f(b) - 1) * 100 for c, b in zip(cur.extra, base.extra) if f(b) > 0]
    ROWS["_overhead_baseline"] = {
        "traced wall time": (base.traced, cur.traced, ratios(lambda x: x["wall"])),
        "loop CPU (user+sys incl. children)": ([x["cpu"] for x in base.extra],
                                               [x["cpu"] for x in cur.extra],
                                               ratios(lambda x: x["cpu"])),
        "procship's own CPU (schedstat)": ([x["cpu_sched"] for x in base.extra],
                                           [x["cpu_sched"] for x in cur.extra],
                                           ratios(lambda x: x["cpu_sched"])),
    }


def overhead_case(kind, reps, n):
    """Interleaved untraced / traced pairs (ABBA order), metric: added wall time %."""
    state = {}
    if kind in ("bpftrace", "auditd", "laurel") and not tracers.setup(kind, state):
        return
    accs = {kind: Pairs()}
    if kind == "procship" and env.BASELINE:
        accs = {"procship-baseline": Pairs(), kind: Pairs()}
    run_execloop(max(50, n // 5))  # warm-up: page cache, CPU frequency, first-fork costs
    try:
        if not run_pairs(kind, reps, n, state, accs):
            return
    finally:
        tracers.restore(kind, state)
    if not accs[kind].pairs:
        fail(f"{kind}: no complete pair")
        return
    for k, acc in accs.items():
        overhead_row(k, n, state, acc)
    if len(accs) > 1:
        vs_baseline(accs[kind], accs["procship-baseline"])
