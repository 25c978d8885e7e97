# SPDX-License-Identifier: Apache-2.0
"""Case 2, cost per event: procship's CPU per 1,000 execs, BPF run time per exec, peak RSS
after many execs, and the same RSS with a smaller ring buffer (what-if)."""
import os
import re
import time

from lib.env import fail
from lib.proc import (Procship, bpf_prog_names, bpf_prog_stats, proc_cpu, proc_status,
                      ringbuf_rss_kb, run_execloop)
from lib.receivers import Sink
from lib.results import note, row


def measure(n):
    """One run of n execs; what procship used, read while it still runs."""
    sink = Sink("--match", '"process_exec"', "--match", f'"arguments":"psb-cost-{os.getpid()}"',
                "--count", str(n), max_seconds=900)
    ps = Procship("--udp-output-enabled", "--udp-output-address", f"127.0.0.1:{sink.port}")
    time.sleep(0.2)
    m = {"hwm0": proc_status(ps.p.pid, "VmHWM"), "cpu0": proc_cpu(ps.p.pid),
         "bpf0": bpf_prog_stats(ps.p.pid)}
    m["r"] = run_execloop(n, "--arg", f"psb-cost-{os.getpid()}", timeout=600)
    m["res"] = sink.finish(timeout=30)
    m["cpu1"] = proc_cpu(ps.p.pid)
    m["bpf1"] = bpf_prog_stats(ps.p.pid)
    m["hwm"] = proc_status(ps.p.pid, "VmHWM")
    m["rss_now"] = proc_status(ps.p.pid, "VmRSS")
    m["rss_anon"] = proc_status(ps.p.pid, "RssAnon")
    m["rb"] = ringbuf_rss_kb(ps.p.pid)
    m["names"] = bpf_prog_names(m["bpf1"].keys())  # while procship still holds them
    m["rc"], _ = ps.stop()
    m["summary"] = [l.split(": ", 2)[-1] for l in ps.stderr().splitlines()
                    if "events:" in l or "udp:" in l or "drop" in l]
    return m


def bpf_rows(m, execs):
    bpf0, bpf1, names = m["bpf0"], m["bpf1"], m["names"]
    bpf_total_ns = 0
    per_prog = []
    for i in sorted(bpf1):
        dt = bpf1[i][0] - bpf0.get(i, (0, 0))[0]
        dc = bpf1[i][1] - bpf0.get(i, (0, 0))[1]
        bpf_total_ns += dt
        if dc:
            per_prog.append(f"{names[i]}: {dt / dc:.0f} ns/run × {dc} runs")
    row("cost", name="BPF run time per exec (all procship programs, fork+exec+exit)",
        value=f"{bpf_total_ns / execs / 1000:.2f} µs", detail="; ".join(per_prog),
        target="", met="")


def cost_case(n):
    m = measure(n)
    r, res, cpu0, cpu1, hwm, summary = m["r"], m["res"], m["cpu0"], m["cpu1"], m["hwm"], \
        m["summary"]
    if not r:
        return
    execs = int(r["execs"])
    got = int(res.get("matched", 0))
    row("cost", name="procship CPU per 1,000 execs (user+sys, /proc/PID/stat)",
        value=f"{(cpu1[0] - cpu0[0]) / execs * 1000 * 1000:.1f} ms",
        detail=f"schedstat (ns precision): {(cpu1[1] - cpu0[1]) / execs * 1e6:.1f} ms per "
               f"1,000 execs; {execs} execs in {int(r['wall_ns']) / 1e9:.1f} s",
        target="", met="")
    bpf_rows(m, execs)
    row("cost", name=f"peak RSS (VmHWM) after {execs:,} execs",
        value=f"{hwm / 1024:.1f} MiB",
        detail=f"VmHWM 0.2 s after `ready`: {m['hwm0'] / 1024:.1f} MiB; VmRSS at the end "
               f"{m['rss_now'] / 1024:.1f} MiB; RssAnon {m['rss_anon'] / 1024:.1f} MiB; "
               f"BPF ring buffer mapping resident {m['rb'] / 1024:.1f} MiB (the ring is "
               f"mapped twice)",
        target="< 16 MiB", met="yes" if hwm < 16 * 1024 else "no")
    sent = re.search(r"udp: (\d+) sent", " ".join(summary))
    if sent and cpu1[1] > cpu0[1]:
        note("cost", f"For scale only (not comparable with section 3, which starts from "
             f"pre-encoded lines): in this run procship captured, encoded and sent "
             f"{int(sent.group(1)):,} datagrams at "
             f"{int(sent.group(1)) / (cpu1[1] - cpu0[1]):,.0f} "
             f"datagrams per CPU-second, capture and JSON encoding included.")
    row("cost", name="events lost in that run", value=f"{execs - got}",
        detail="; ".join(summary), target="0", met="yes" if execs == got else "no")
    if m["rc"] != 0:
        fail(f"procship exited {m['rc']}")


def ring_whatif(n, size=2 << 20):
    """Peak RSS and loss with a smaller ring buffer: how much of the RSS is the ring."""
    marker = f"psb-ring-{os.getpid()}"
    sink = Sink("--match", '"process_exec"', "--match", f'"arguments":"{marker}"',
                "--count", str(n), max_seconds=300)
    ps = Procship("--udp-output-enabled", "--udp-output-address", f"127.0.0.1:{sink.port}",
                  "--ring-buffer-size", str(size))
    time.sleep(0.2)
    r = run_execloop(n, "--arg", marker)
    res = sink.finish(timeout=15)
    hwm = proc_status(ps.p.pid, "VmHWM")
    rss_now = proc_status(ps.p.pid, "VmRSS")
    rb = ringbuf_rss_kb(ps.p.pid)
    ps.stop()
    if not r:
        return
    lost = int(r["execs"]) - int(res.get("matched", 0))
    row("cost", name=f"what-if: peak RSS with --ring-buffer-size {size >> 20} MiB, {n:,} execs",
        value=f"{hwm / 1024:.1f} MiB", detail=f"VmRSS at the end {rss_now / 1024:.1f} MiB (the "
        f"peak is set during start-up, before the ring is mapped); ring mapping resident "
        f"{rb / 1024:.1f} MiB; lost {lost}", target="< 16 MiB",
        met="yes" if hwm < 16 * 1024 else "no")
