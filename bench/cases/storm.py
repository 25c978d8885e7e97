# SPDX-License-Identifier: Apache-2.0
"""Case storm: ring-buffer loss while an unprivileged user storms execs (issue 19).

A test user (created here, removed at the end) runs N max-rate vfork+exec loops with 8 KiB of
arguments each, next to a CPU-bound job on every core, while root runs a 20/s marker loop;
every run is bounded in time. Each configuration of procship (the levers: ring size, nice) is
run on the same storm, interleaved, and reports the storm's exec rate, the records the ring
lost (procship's own counters), whether every marker exec arrived, procship's CPU and the
ring's resident pages. More loops than cores push the exec rate and the host's run queue up:
that is the loss curve, written to loss-curve.tsv (see write_curve) for bench/lib/plots.py.

env.STORM_SWEEP (bench/run --storm-sweep LOOPS --storm-seconds S) replaces the plan with
that curve alone: the defaults, round two's (or --baseline's) and a 256 KiB ring at nice 0
(small enough to lose here, to show where loss starts) at each count of loops."""
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time

from lib import env
from lib.env import fail, helper, kv, loadavg, log
from lib.proc import Procship, proc_cpu, proc_status, ringbuf_rss_kb
from lib.receivers import Sink
from lib.results import ROWS, note, row

USER = "psbstorm"
ARGS_BYTES = 8192
MARK_RATE = 20
# (label, flags): the tree before (2 MiB ring, nice 0), each lever alone, the defaults
BEFORE = ("2 MiB ring, nice 0 (round two's defaults)",
          ["--ring-buffer-size", "2097152", "--nice", "0"])
RING = ("4 MiB ring, nice 0", ["--nice", "0"])
NICE = ("2 MiB ring, nice -10", ["--ring-buffer-size", "2097152"])
DEFAULTS = ("defaults: 4 MiB ring, nice -10", [])
# the sweep's third line: a ring small enough to lose on this host, the curve's shape
SMALL = ("256 KiB ring, nice 0", ["--ring-buffer-size", "262144", "--nice", "0"])
# with --baseline: that binary with its own defaults, in place of BEFORE but in the levers
BASE = "--baseline (its defaults)"
HOG = "import time\nend = time.monotonic() + {s}\nwhile time.monotonic() < end:\n    pass\n"


def add_user():
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", USER], check=True)
    return pwd.getpwnam(USER)


def del_user():
    subprocess.run(["pkill", "-KILL", "-u", USER], capture_output=True)
    subprocess.run(["userdel", USER], capture_output=True)


def helpers_dir():
    """execloop and nop where the test user may run them (the pass's TMP is root's)."""
    d = tempfile.mkdtemp(prefix="psb-storm.")
    os.chmod(d, 0o755)
    for h in ["execloop", "nop"]:
        shutil.copy(helper(h), d)
    return d


def start_hogs(seconds):
    """A CPU-bound job per core, each ending by itself after `seconds`."""
    return [subprocess.Popen(["python3", "-c", HOG.format(s=seconds)])
            for _ in range(os.cpu_count() or 1)]


def start_load(d, pw, loops, seconds, hogs):
    procs = start_hogs(seconds) if hogs else []
    for _ in range(loops):
        procs.append(subprocess.Popen(
            ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups",
             f"{d}/execloop", "--vfork", "--count", "100000000", "--max-seconds",
             str(seconds), "--args-bytes", str(ARGS_BYTES), f"{d}/nop"],
            stdout=subprocess.PIPE, text=True))
    return procs


def ring_lost(text):
    """ringbuf.exec/exit/fork from procship's last counters line."""
    lines = [l for l in text.splitlines() if "counters:" in l]
    c = dict(re.findall(r"ringbuf\.(\w+)=(\d+)", lines[-1] if lines else ""))
    return {k: int(c.get(k, 0)) for k in ["exec", "exit", "fork"]}


def one_run(d, pw, flags, loops, seconds, hogs, binary=None):
    marker = f"psb-storm-{os.getpid()}-{time.monotonic_ns()}"
    sink = Sink("--match", '"process_exec"', "--match", f'"arguments":"{marker}"',
                max_seconds=seconds + 60, poll_us=1000)
    ps = Procship("--udp-output-enabled", "--udp-output-address", f"127.0.0.1:{sink.port}",
                  *flags, binary=binary)
    cpu0, load0 = proc_cpu(ps.p.pid), loadavg()
    load = start_load(d, pw, loops, seconds, hogs)
    mark = subprocess.run([helper("execloop"), "--rate", str(MARK_RATE), "--count",
                           str(MARK_RATE * seconds), "--max-seconds", str(seconds), "--arg",
                           marker, helper("nop")], capture_output=True, text=True,
                          timeout=seconds + 60)
    execs, wall = 0, 0.0
    for p in load:
        out, _ = p.communicate(timeout=seconds + 60)
        r = kv(out or "")
        if "execs" in r:
            execs += int(r["execs"])
            wall = max(wall, int(r["wall_ns"]) / 1e9)
    time.sleep(1)  # the last records drain
    cpu1, rb = proc_cpu(ps.p.pid), ringbuf_rss_kb(ps.p.pid)
    hwm = proc_status(ps.p.pid, "VmHWM")
    ps.stop()
    res = sink.finish(timeout=5, stop=True)
    m = kv(mark.stdout)
    return {"execs": execs, "rate": execs / wall if wall else 0, "lost": ring_lost(ps.stderr()),
            "marks": int(m.get("execs", 0)), "marks_got": int(res.get("matched", 0)),
            "cpu": cpu1[1] - cpu0[1], "rb": rb, "hwm": hwm, "load": f"{load0}→{loadavg()}"}


def record(label, loops, seconds, hogs, r, group):
    lost = r["lost"]
    row("storm", group=group, name=label, loops=f"{loops}{'' if hogs else ' (no hogs)'}",
        seconds=seconds,
        rate=f"{r['rate']:,.0f}", execs=f"{r['execs']:,}",
        lost=f"{lost['exec']} / {lost['exit']} / {lost['fork']}",
        marks=f"{r['marks_got']} of {r['marks']}",
        cpu=f"{r['cpu'] / max(r['execs'], 1) * 1e6:.1f} ms",
        rb=f"{r['rb'] / 1024:.1f} MiB", hwm=f"{(r['hwm'] or 0) / 1024:.1f} MiB",
        load=r["load"], _rate=r["rate"], _lost=sum(lost.values()),
        met="yes" if lost["exec"] + lost["exit"] == 0 and r["marks_got"] == r["marks"] else "no")
    log(f"storm {group}: {label}, {loops} loops: {r['rate']:.0f} execs/s, lost {lost}, "
        f"markers {r['marks_got']}/{r['marks']}")


def plan(quick):
    """(group, loops, seconds, CPU hogs, configurations) in the order run; the order of
    the configurations alternates from one storm to the next."""
    old = (BASE, []) if env.BASELINE else BEFORE
    if env.STORM_SWEEP:
        return [("curve", n, env.STORM_SECONDS, True, [DEFAULTS, old, SMALL] if i % 2 else
                 [SMALL, old, DEFAULTS]) for i, n in enumerate(env.STORM_SWEEP)]
    if quick:
        return [("issue storm", 2, 3, True, [old, DEFAULTS])]
    levers = [BEFORE, RING, NICE, DEFAULTS] + ([old] if env.BASELINE else [])
    return [("levers", 8, 20, True, levers),
            ("issue storm", 2, 60, True, [DEFAULTS, old]),
            ("curve", 2, 15, False, [old, DEFAULTS]),
            ("curve", 4, 15, True, [DEFAULTS, old]),
            ("curve", 8, 15, True, [old, DEFAULTS]),
            ("curve", 16, 15, True, [DEFAULTS, old])]


def write_curve(path, quick):
    """One line per run: storm execs per second, records lost (exec + exit + fork), the
    configuration, loops and seconds; what plots.loss draws, one line per configuration."""
    pts = ROWS["_loss_curve"] = [(r["_rate"], r["_lost"], r["name"]) for r in ROWS["storm"]]
    if quick or not pts:
        return
    with open(path, "w") as f:
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        f.write("# bench/run storm case: execs/s\trecords lost\tconfiguration\tloops\t"
                f"seconds\tload average ({when})\n")
        for r in ROWS["storm"]:
            f.write(f"{r['_rate']:.0f}\t{r['_lost']}\t{r['name']}\t{r['loops']}\t"
                    f"{r['seconds']}\t{r['load']}\n")
    log(f"storm: loss curve in {path}")


def storm_case(quick, curve_path):
    if not shutil.which("setpriv") or not shutil.which("useradd"):
        fail("storm: needs setpriv and useradd (util-linux, passwd)")
        return
    pw = add_user()
    d = helpers_dir()
    best = {}
    try:
        for group, loops, seconds, hogs, configs in plan(quick):
            for label, flags in configs:
                binary = env.BASELINE if label == BASE else None
                r = one_run(d, pw, flags, loops, seconds, hogs, binary)
                record(label, loops, seconds, hogs, r, group)
                clean = r["lost"]["exec"] + r["lost"]["exit"] == 0
                b = best.setdefault(label, [0, None])
                b[0] = max(b[0], r["rate"]) if clean else b[0]
                b[1] = b[1] if clean else min(b[1] or 1e9, r["rate"])
    finally:
        del_user()
        shutil.rmtree(d, ignore_errors=True)
    write_curve(curve_path, quick)
    for label, (ok, bad) in best.items():
        note("storm", f"{label}: highest storm rate with no exec or exit record lost "
             f"{ok:,.0f}/s" + (f"; lost records at {bad:,.0f}/s" if bad else
                               "; no run lost any"))
    note("storm", f"Storm: user {USER} (created and removed by the case), each loop "
         f"`execloop --vfork --args-bytes {ARGS_BYTES} nop`, one `python3` busy loop per core, "
         f"root's marker loop at {MARK_RATE}/s; lost = procship's `ringbuf.exec/exit/fork` "
         f"counters; receiver bench/udp_sink polling every 1 ms on the same host.")
