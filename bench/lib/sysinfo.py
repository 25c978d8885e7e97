# SPDX-License-Identifier: Apache-2.0
"""The machine a pass ran on, for RESULTS.md: cores, kernel, date, binaries, load."""
import datetime
import json
import os
import platform
import subprocess

from lib import env


def version(binary):
    return subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()


def tracing_programs():
    """BPF tracing programs already loaded by others."""
    others = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True)
    try:
        return sum(1 for p in json.loads(others.stdout) if p.get("type") in
                   ("tracing", "raw_tracepoint", "tracepoint", "kprobe"))
    except Exception:
        return 0


def cpu_model():
    try:
        for l in open("/proc/cpuinfo"):
            if l.startswith("model name"):
                return l.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def machine():
    cpu = cpu_model()
    tracing = tracing_programs()
    load = open("/proc/loadavg").read().split()[:3]
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    base = (f"- baseline: `{env.BASELINE}` ({version(env.BASELINE)}), measured next to "
            f"procship in the throughput and overhead cases\n" if env.BASELINE else "")
    return (f"- cores: {os.cpu_count()} ({cpu})\n- kernel: {platform.release()}\n"
            f"- date: {now}\n"
            f"- procship: `{env.PROCSHIP}` ({version(env.PROCSHIP)})\n" + base +
            f"- load average at start: {' '.join(load)}; tracing BPF programs already loaded by "
            f"others at start: {tracing} (the machine is shared: other sessions run tests and "
            f"their own tracers while we measure — that is why every figure is a ratio within "
            f"one pass)\n")
