# SPDX-License-Identifier: Apache-2.0
"""Case cpu: procship's cost per exec in figures a loaded host does not move much (issue 19).

Time per exec on a shared 2-core VM spreads by a factor of two from run to run, and this VM
has no hardware counters (`perf stat -e instructions` is "not supported"), so the case counts:

  native run     procship as it runs (defaults, UDP to bench/udp_sink) during a max-rate
                 `execloop --count N nop`: its system calls, wake-ups (context switches) and
                 sendmmsg calls per exec (`perf stat -e raw_syscalls:sys_enter,...` on its pid),
                 datagrams per sendmmsg, the BPF programs' run time per exec
                 (kernel.bpf_stats_enabled for the run only) and, for reference, schedstat
                 CPU per exec (the one timed figure, load-dependent);
  callgrind run  the same binary under `valgrind --tool=callgrind` during a paced loop: user
                 space's instructions per event, exact and load-free, and their shares per
                 stage (drain, cache, admission, encode, frame, send, the loop);
  floor          right after each native run, what this machine charges for the kernel work
                 procship cannot skip, at that run's figures: sending its datagrams (the
                 sendmmsg ceiling at their mean size, in batches of their datagrams per call,
                 to the same kind of receiver) and sleeping and waking as often as it did (a
                 timed epoll_pwait2 with nothing to wait for, `wake_floor`). Floor per exec =
                 datagrams per exec x send per datagram + wake-ups per exec x one wake-up;
                 what procship costs above it is its own work (user space and the drain).

"Per exec" divides by the execs procship captured in the window (its own counters), the host's
other execs included: on a busy host the mix of events is the host's. With --baseline the other
binary runs the same two runs, alternating. One command re-measures it all:

  bench/run --only cpu [--reps N] [--baseline OLD]
"""
import os
import re
import shutil
import signal
import subprocess
import time

from lib import env
from lib.env import fail, helper, kv, log
from lib.proc import Procship, bpf_prog_stats, bpf_stats, proc_cpu
from lib.receivers import Sink
from lib.results import note, row

PERF_EVENTS = ["raw_syscalls:sys_enter", "context-switches", "syscalls:sys_enter_sendmmsg",
               "syscalls:sys_enter_epoll_wait", "syscalls:sys_enter_epoll_pwait2",
               "syscalls:sys_enter_read", "syscalls:sys_enter_timerfd_settime"]
# (stage, functions whose inclusive instructions it is, functions subtracted)
STAGES = [("drain (libbpf, record checks)", ["sensor_drain"], ["pev_record"]),
          ("cache (procevents, proc_cache)", ["pev_record"], ["pipe_process"]),
          ("admission", ["pipe_process"], ["ejson_exec", "ejson_exit", "pipe_ship"]),
          ("encode (event_json)", ["ejson_exec", "ejson_exit"], []),
          ("frame (framing)", ["pipe_frame"], []),
          ("send (udp, user part)", ["pipe_ship", "pipe_flush"], ["pipe_frame"])]


def counters(ps):
    """capture.execs / exits and udp.sent from procship's latest counters line (SIGUSR1)."""
    ps.p.send_signal(signal.SIGUSR1)
    time.sleep(0.3)
    lines = [l for l in ps.stderr().splitlines() if "counters:" in l]
    c = dict(re.findall(r"([\w.]+)=(\d+)", lines[-1] if lines else ""))
    return {k: int(c.get(k, 0))
            for k in ["capture.execs", "capture.exits", "udp.sent", "udp.sent_bytes"]}


def delta(a, b):
    return {k: b[k] - a[k] for k in a}


def perf_stat(pid, out):
    return subprocess.Popen(["perf", "stat", "-x,", "-e", ",".join(PERF_EVENTS), "-p",
                             str(pid), "-o", out], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def perf_read(path):
    """{event: count}; empty when perf wrote nothing (no tracefs, an event it lacks)."""
    got = {}
    if not os.path.exists(path):
        return got
    for line in open(path):
        f = line.strip().split(",")
        if len(f) > 2 and f[0].isdigit():
            got[f[2]] = int(f[0])
    return got


def native(binary, n, tag):
    """One max-rate loop of n execs under perf stat; per-exec figures of the window."""
    marker = f"psb-cpu-{os.getpid()}-{tag}"
    sink = Sink("--match", '"process_exec"', "--match", f'"arguments":"{marker}"',
                max_seconds=900, poll_us=1000)
    ps = Procship("--udp-output-enabled", "--udp-output-address", f"127.0.0.1:{sink.port}",
                  binary=binary)
    time.sleep(0.2)
    out = os.path.join(env.TMP, f"perf-{tag}.csv")
    bpf_stats(True)
    c0, cpu0, b0 = counters(ps), proc_cpu(ps.p.pid), bpf_prog_stats(ps.p.pid)
    perf = perf_stat(ps.p.pid, out)
    time.sleep(0.3)
    r = subprocess.run([helper("execloop"), "--count", str(n), "--max-seconds", "300",
                        "--arg", marker, helper("nop")], capture_output=True, text=True,
                       timeout=360)
    time.sleep(0.5)  # the last records drain
    perf.send_signal(signal.SIGINT)
    perf.wait(timeout=30)
    c1, cpu1, b1 = counters(ps), proc_cpu(ps.p.pid), bpf_prog_stats(ps.p.pid)
    bpf_stats(False)
    ps.stop()
    res = sink.finish(timeout=10, stop=True)
    d = delta(c0, c1)
    bpf_ns = sum(b1[i][0] - b0.get(i, (0, 0))[0] for i in b1)
    return {"d": d, "perf": perf_read(out), "cpu": cpu1[1] - cpu0[1], "bpf_ns": bpf_ns,
            "mine": n, "got": int(res.get("matched", 0)), "loop": r.stdout.strip()}


FLOOR_DATAGRAMS = 20000
FLOOR_WAKES = 400


def floor(m):
    """The send and wake-up floor at native run m's figures (see the module's comment)."""
    d = m["d"]
    sent = max(d["udp.sent"], 1)
    size = min(max(round(d["udp.sent_bytes"] / sent), 64), 65507)
    batch = min(max(round(sent / max(m["perf"].get("syscalls:sys_enter_sendmmsg", 0), 1)), 1),
                64)
    sink = Sink("--count", str(FLOOR_DATAGRAMS), "--idle-ms", "1500", max_seconds=120,
                poll_us=1000)
    r = subprocess.run([helper("sendmmsg_flood"), "--port", str(sink.port), "--size", str(size),
                        "--count", str(FLOOR_DATAGRAMS), "--batch", str(batch),
                        "--max-seconds", "60"], capture_output=True, text=True, timeout=120)
    sink.finish(timeout=10, stop=True)
    w = subprocess.run([helper("wake_floor"), "--count", str(FLOOR_WAKES), "--timeout-us",
                        "5000"], capture_output=True, text=True, timeout=60)
    s, k = kv(r.stdout), kv(w.stdout)
    if r.returncode or w.returncode or "cpu_ns" not in s or "per_wake_ns" not in k:
        fail(f"cpu: floor: {r.stdout} {r.stderr} {w.stdout} {w.stderr}")
        return None
    return {"size": size, "batch": batch, "send_ns": int(s["cpu_ns"]) / max(int(s["sent"]), 1),
            "wake_ns": int(k["per_wake_ns"])}


def callgrind_annotate(path):
    """{function: inclusive instructions} and the total, from a callgrind dump."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100",
                          "--auto=no", path], capture_output=True, text=True, timeout=120).stdout
    fn, total = {}, 0
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+)", line)
        if not m:
            continue
        v, name = int(m[1].replace(",", "")), m[2]
        if name == "PROGRAM":
            total = v
        name = name.split(":")[-1]
        fn[name] = max(fn.get(name, 0), v)
    return fn, total


def callgrind(binary, n, rate, tag):
    """One paced loop with procship under callgrind; counters zeroed once it is ready."""
    marker = f"psb-cg-{os.getpid()}-{tag}"
    sink = Sink("--match", '"process_exec"', "--match", f'"arguments":"{marker}"',
                max_seconds=900, poll_us=1000)
    dump = os.path.join(env.TMP, f"callgrind-{tag}.out")
    ps = Procship("--seccomp", "off", "--udp-output-enabled", "--udp-output-address",
                  f"127.0.0.1:{sink.port}", binary=binary, wait_ready=False,
                  prefix=["valgrind", "--tool=callgrind", f"--callgrind-out-file={dump}"])
    if not ps.wait_ready(timeout=120):
        return None
    vg = ps.p.pid
    time.sleep(0.5)
    c0 = counters(ps)
    subprocess.run(["callgrind_control", "-z", str(vg)], capture_output=True, timeout=60)
    subprocess.run([helper("execloop"), "--count", str(n), "--rate", str(rate), "--max-seconds",
                    "300", "--arg", marker, helper("nop")], capture_output=True, timeout=360)
    time.sleep(2)  # valgrind is ~50x slower: let it drain
    subprocess.run(["callgrind_control", "-d", str(vg)], capture_output=True, timeout=60)
    c1 = counters(ps)
    ps.stop(timeout=60)
    sink.finish(timeout=10, stop=True)
    dumps = sorted(f for f in os.listdir(env.TMP) if f.startswith(f"callgrind-{tag}.out."))
    if not dumps:
        fail(f"cpu: callgrind wrote no dump for {binary}")
        return None
    fn, total = callgrind_annotate(os.path.join(env.TMP, dumps[0]))
    return {"d": delta(c0, c1), "fn": fn, "total": total}


def stages(fn, total):
    out, known = [], 0
    for name, plus, minus in STAGES:
        v = sum(fn.get(f, 0) for f in plus) - sum(fn.get(f, 0) for f in minus)
        known += v
        out.append((name, v))
    return out + [("the loop, timers, the rest", total - known)]


def label(binary):
    return "--baseline" if binary == env.BASELINE else "this tree"


def report_native(binary, runs):
    per = []
    for m in runs:
        ex = max(m["d"]["capture.execs"], 1)
        p = m["perf"]
        snd = max(p.get("syscalls:sys_enter_sendmmsg", 0), 1)
        per.append((p.get("raw_syscalls:sys_enter", 0) / ex, p.get("context-switches", 0) / ex,
                    p.get("syscalls:sys_enter_sendmmsg", 0) / ex, m["d"]["udp.sent"] / snd,
                    m["bpf_ns"] / ex / 1000, m["cpu"] / ex * 1e6, m))
    for k, (sc, cs, sm, dps, bpf, cpu, m) in enumerate(per):
        p = m["perf"]
        row("cpu", kind="native", name=label(binary), run=k + 1,
            execs=f"{m['d']['capture.execs']:,}", sys=f"{sc:.3f}", cs=f"{cs:.3f}",
            sendmmsg=f"{sm:.3f}", dps=f"{dps:.1f}", bpf=f"{bpf:.2f} µs", cpu=f"{cpu:.1f} µs",
            detail=f"epoll_wait {p.get('syscalls:sys_enter_epoll_wait', 0)}, epoll_pwait2 "
                   f"{p.get('syscalls:sys_enter_epoll_pwait2', 0)}, read "
                   f"{p.get('syscalls:sys_enter_read', 0)}, timerfd_settime "
                   f"{p.get('syscalls:sys_enter_timerfd_settime', 0)}; markers "
                   f"{m['got']} of {m['mine']}")
        log(f"cpu {label(binary)}: {sc:.3f} syscalls, {cs:.3f} wake-ups per exec, "
            f"{dps:.1f} datagrams per sendmmsg, BPF {bpf:.2f} µs, CPU {cpu:.1f} µs")
        if m["got"] != m["mine"]:
            fail(f"cpu: {m['mine'] - m['got']} of the loop's execs never arrived")


def report_floor(runs):
    for k, m in enumerate(runs):
        f = m.get("floor")
        if not f:
            continue
        ex = max(m["d"]["capture.execs"], 1)
        dpe = m["d"]["udp.sent"] / ex
        wpe = m["perf"].get("context-switches", 0) / ex
        per = dpe * f["send_ns"] + wpe * f["wake_ns"]
        cpu = m["cpu"] / ex * 1e9
        row("cpu", kind="floor", run=k + 1, dpe=f"{dpe:.2f}", size=f"{f['size']} B",
            batch=f["batch"], send=f"{f['send_ns'] / 1000:.2f} µs", wpe=f"{wpe:.3f}",
            wake=f"{f['wake_ns'] / 1000:.1f} µs", floor=f"{per / 1000:.1f} µs",
            cpu=f"{cpu / 1000:.1f} µs", above=f"{(cpu - per) / 1000:.1f} µs")
        log(f"cpu floor {k + 1}: {dpe:.2f} datagrams/exec x {f['send_ns'] / 1000:.2f} µs + "
            f"{wpe:.3f} wake-ups/exec x {f['wake_ns'] / 1000:.1f} µs = {per / 1000:.1f} µs "
            f"per exec; procship {cpu / 1000:.1f} µs")


def report_callgrind(binary, cg):
    ev = max(cg["d"]["udp.sent"], 1)
    ex = max(cg["d"]["capture.execs"], 1)
    parts = "; ".join(f"{name} {v / cg['total'] * 100:.1f}%"
                      for name, v in stages(cg["fn"], cg["total"]))
    row("cpu", kind="callgrind", name=label(binary), execs=f"{cg['d']['capture.execs']:,}",
        per_event=f"{cg['total'] / ev:,.0f}", per_exec=f"{cg['total'] / ex:,.0f}",
        detail=parts)
    log(f"cpu callgrind {label(binary)}: {cg['total'] / ev:,.0f} instructions per datagram, "
        f"{cg['total'] / ex:,.0f} per exec; {parts}")


def missing(what, required):
    """perf and valgrind are the bench's own packages (make bench-deps), like the peers: the
    smoke run says they are not installed; --require-peers makes that a failure."""
    msg = f"cpu: {what} is not installed (make bench-deps)"
    fail(msg) if required else note("cpu", msg)


def cpu_case(reps, n, cg_n, cg_rate, required):
    if not shutil.which("perf"):
        missing("perf (linux-perf)", required)
        return
    binaries = [env.PROCSHIP] + ([env.BASELINE] if env.BASELINE else [])
    runs = {b: [] for b in binaries}
    for k in range(reps):
        for b in binaries if k % 2 == 0 else binaries[::-1]:
            runs[b].append(native(b, n, f"{k}-{len(runs[b])}-{binaries.index(b)}"))
            if b == env.PROCSHIP and runs[b][-1]["perf"]:
                runs[b][-1]["floor"] = floor(runs[b][-1])
    if not all(m["perf"] for b in binaries for m in runs[b]):
        missing("perf's syscall tracepoints (tracefs)", required)
        return
    for b in binaries:
        report_native(b, runs[b])
    report_floor(runs[env.PROCSHIP])
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        missing("valgrind: no instruction counts", required)
        return
    for i, b in enumerate(binaries):
        cg = callgrind(b, cg_n, cg_rate, f"cg{i}")
        if cg:
            report_callgrind(b, cg)
    note("cpu", f"Native runs: `execloop --count {n} nop` at its maximum rate, procship's "
         "defaults, UDP to bench/udp_sink; per exec = per exec procship captured in the "
         "window (the host's other execs too). callgrind runs: the same binary under "
         f"`valgrind --tool=callgrind`, {cg_n} execs at {cg_rate}/s, counters zeroed after "
         "`ready`; instructions are user space's only (this VM has no hardware counters).")
