# SPDX-License-Identifier: Apache-2.0
"""Case 2b, what each optional enrichment (issue 15) costs, side by side with it off in one
pass: capture overhead on the max-rate exec loop (interleaved untraced / traced pairs, the
variants in rotating order, BPF statistics off), procship's CPU per 1,000 execs in those same
runs, then one run per variant with BPF statistics on for the run time per exec."""
import os

from cases.overhead import run_procship, run_untraced
from lib import proc
from lib.env import fail, log
from lib.proc import run_execloop
from lib.results import DETAILS, row
from lib.stats import med, spread

VARIANTS = [("off", ()), ("--enable-process-cred", ("--enable-process-cred",)),
            ("--enable-process-ns", ("--enable-process-ns",)),
            ("both", ("--enable-process-cred", "--enable-process-ns")),
            ("--enable-process-environment-variables",
             ("--enable-process-environment-variables",)),
            ("all on", ("--enable-process-cred", "--enable-process-ns",
                        "--enable-process-environment-variables", "--enable-ancestors", "base",
                        "--username-metadata", "unix"))]


def pairs(reps, n):
    """{variant: {"pct": [...], "cpu": [...], "lost": [...]}} from interleaved pairs."""
    acc = {v: {"pct": [], "cpu": [], "lost": []} for v, _ in VARIANTS}
    for rep in range(reps):
        order = VARIANTS[rep % len(VARIANTS):] + VARIANTS[:rep % len(VARIANTS)]
        for i, (name, extra) in enumerate(order):
            marker = f"psb-enrich-{os.getpid()}-{rep}-{i}"
            first_untraced = (rep + i) % 2 == 0
            u = run_untraced(n, marker + "-u") if first_untraced else None
            t = run_procship(n, marker, extra=extra)
            if not first_untraced:
                u = run_untraced(n, marker + "-u")
            if not (u and t):
                continue
            a = acc[name]
            a["pct"].append((t["wall"] / u["wall"] - 1) * 100)
            a["cpu"].append(t["cpu_sched"] / n * 1e6)
            a["lost"].append(t["lost"])
            DETAILS.append(f"enrich {name} rep {rep}: untraced {u['wall']:.3f} s, traced "
                           f"{t['wall']:.3f} s ({a['pct'][-1]:+.1f}%), procship "
                           f"{a['cpu'][-1]:.1f} ms/1,000 execs, lost {t['lost']}")
            log(DETAILS[-1])
    return acc


def bpf_ns_per_exec(n):
    """{variant: (ns per exec: each program's mean run time, summed; per-program detail)},
    BPF statistics on."""
    out = {}
    proc.bpf_stats(True)
    try:
        for name, extra in VARIANTS:
            t = run_procship(n, f"psb-enrich-bpf-{os.getpid()}-{len(out)}", extra=extra,
                             names=True)
            if not t:
                continue
            names = t["names"]
            # Per run, summed over the programs: each exec comes with one fork, one exit
            # (and one prepare_exec), and the host's other execs count as much as ours.
            total = sum(dt / dc for dt, dc in t["bpf"].values() if dc) * n
            detail = "; ".join(f"{names[i]} {dt / dc:.0f} ns × {dc}"
                               for i, (dt, dc) in sorted(t["bpf"].items()) if dc)
            out[name] = (total / n, detail)
    finally:
        proc.bpf_stats(False)
    return out


def enrich_case(reps, n):
    run_execloop(max(50, n // 5))  # warm-up
    acc = pairs(reps, n)
    bpf = bpf_ns_per_exec(n)
    off = acc["off"]
    if not off["pct"]:
        fail("enrich: no complete pair with the options off")
        return
    for name, _ in VARIANTS:
        a = acc[name]
        if not a["pct"]:
            fail(f"enrich: no complete pair for {name}")
            continue
        ns, detail = bpf.get(name, (float("nan"), "not measured"))
        row("enrich", name=name, runs=len(a["pct"]), pct_med=med(a["pct"]),
            pct_spread=spread(a["pct"], "{:+.1f}"), added=med(a["pct"]) - med(off["pct"]),
            cpu_med=med(a["cpu"]), cpu_spread=spread(a["cpu"]),
            cpu_added=med(a["cpu"]) - med(off["cpu"]), bpf_ns=ns,
            bpf_added=ns - bpf.get("off", (float("nan"),))[0], bpf_detail=detail,
            lost=sum(a["lost"]), met="yes" if med(a["pct"]) <= 3 and not sum(a["lost"]) else "no")
