# SPDX-License-Identifier: Apache-2.0
"""Processes the cases start and what they cost: procship itself, the exec loop, CPU and
memory from /proc, BPF program statistics, CPU pinning and the BPF run-time statistics switch."""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import time

from lib import env
from lib.env import fail, helper, kv

BPF_STATS = "/proc/sys/kernel/bpf_stats_enabled"


def pin(cpu):
    """taskset prefix for the throughput receiver: alone on CPU 1, as a remote receiver would
    be. Senders are left to the scheduler, as on a real host: pinning them all to CPU 0 too
    was tried, and it flatters rsyslog (its threads stop waking each other across CPUs)."""
    if (os.cpu_count() or 1) < 2 or not shutil.which("taskset"):
        return []
    return ["taskset", "-c", str(cpu)]


def wait_child(p, timeout):
    """Wait for a Popen child and return (status, rusage) with its own CPU (wait4)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid == p.pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            return p.returncode, ru
        if time.monotonic() > deadline:
            p.kill()
            pid, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            return p.returncode, ru
        time.sleep(0.01)


def ru_cpu(ru):
    return ru.ru_utime + ru.ru_stime


def proc_cpu(pid):
    """user+sys seconds of a live process from /proc/PID/stat (clock ticks), and the
    nanosecond on-CPU time summed over its threads from schedstat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = (int(fields[11]) + int(fields[12])) / env.CLK_TCK
    ns = 0
    for t in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(t) as f:
                ns += int(f.read().split()[0])
        except OSError:
            pass
    return ticks, ns / 1e9


def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])  # kB
    return None


def ringbuf_rss_kb(pid):
    """Resident kB of the bpf-map mappings (the BPF ring buffer, mapped twice by design)."""
    total, name = 0, ""
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                parts = line.split()
                name = parts[5] if len(parts) > 5 else ""
            elif line.startswith("Rss:") and "bpf-map" in name:
                total += int(line.split()[1])
    return total


def bpf_prog_stats(pid):
    """{prog_id: (run_time_ns, run_cnt)} for the BPF programs PID holds open."""
    out = {}
    for fd in glob.glob(f"/proc/{pid}/fd/*"):
        try:
            if "bpf-prog" not in os.readlink(fd):
                continue
            with open(f"/proc/{pid}/fdinfo/{os.path.basename(fd)}") as f:
                info = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
            out[int(info["prog_id"])] = (int(info["run_time_ns"]), int(info["run_cnt"]))
        except (OSError, KeyError, ValueError):
            pass
    return out


def bpf_prog_names(ids):
    names = {}
    for i in ids:
        try:
            j = json.loads(subprocess.run(["bpftool", "-j", "prog", "show", "id", str(i)],
                                          capture_output=True, text=True, timeout=10).stdout)
            names[i] = j.get("name", str(i))
        except Exception:
            names[i] = str(i)
    return names


def bpf_stats(on):
    """Run-time statistics cost every BPF program run two clock reads: on only for the case
    that reports them, never while an overhead is measured."""
    with open(BPF_STATS, "w") as f:
        f.write("1" if on else "0")


class Procship:
    """procship (or, with binary=, another build of it) with stderr in a file of its own."""

    def __init__(self, *args, stdin=None, wait_ready=True, prefix=(), binary=None):
        self.errpath = os.path.join(env.TMP, f"procship-{time.monotonic_ns()}.err")
        self.err = open(self.errpath, "w")
        self.cmd = [*prefix, binary or env.PROCSHIP, *args]
        self.t_launch = time.monotonic_ns()
        self.p = subprocess.Popen(self.cmd, stdin=stdin or subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=self.err)
        self.t_ready = None
        if wait_ready:
            self.wait_ready()

    def wait_ready(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready" in open(self.errpath).read():
                self.t_ready = time.monotonic_ns()
                return True
            if self.p.poll() is not None:
                break
            time.sleep(0.005)
        fail(f"procship not ready: {' '.join(self.cmd)}: {open(self.errpath).read()[-500:]}")
        return False

    def stop(self, timeout=10):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        rc, ru = wait_child(self.p, timeout)
        self.err.close()
        return rc, ru

    def stderr(self):
        return open(self.errpath).read()


def procship_help(binary=None):
    return subprocess.run([binary or env.PROCSHIP, "--help"], capture_output=True,
                          text=True).stdout


def run_execloop(n, *extra, timeout=600):
    r = subprocess.run([helper("execloop"), "--count", str(n), "--max-seconds", str(timeout),
                        *extra, helper("nop")], capture_output=True, text=True,
                       timeout=timeout + 30)
    res = kv(r.stdout)
    if r.returncode != 0 or "wall_ns" not in res:
        fail(f"execloop failed: {r.stdout} {r.stderr}")
        return None
    return res
