# SPDX-License-Identifier: Apache-2.0
"""Case 5, start-up: procship's launch → its agent_init datagram at the receiver, against
launching `logger` → its datagram, interleaved."""
import subprocess
import time

from lib.env import fail
from lib.proc import Procship
from lib.receivers import Sink
from lib.results import note, row
from lib.stats import med, spread


def logger_run(times):
    sink = Sink("--exit-on", "psb-startup", max_seconds=10)
    t0 = time.monotonic_ns()
    subprocess.run(["logger", "-d", "-n", "127.0.0.1", "-P", str(sink.port),
                    "psb-startup"], timeout=10)
    res = sink.finish(timeout=10)
    if int(res.get("exit_on_ns", 0)):
        times.append((int(res["exit_on_ns"]) - t0) / 1e6)


def procship_run(ps_times, ready_times):
    sink = Sink("--exit-on", "agent_init", max_seconds=20)
    # wait_ready polls stderr every 5 ms; the sink stamps agent_init on its own.
    ps = Procship("--udp-output-enabled", "--udp-output-address",
                  f"127.0.0.1:{sink.port}")
    res = sink.finish(timeout=20)
    ps.stop()
    if int(res.get("exit_on_ns", 0)):
        ps_times.append((int(res["exit_on_ns"]) - ps.t_launch) / 1e6)
    else:
        fail("start-up: no agent_init datagram")
    if ps.t_ready:
        ready_times.append((ps.t_ready - ps.t_launch) / 1e6)


def startup_case(reps):
    ps_times, ready_times, base_times = [], [], []
    for rep in range(reps):
        for k in (["logger", "procship"] if rep % 2 == 0 else ["procship", "logger"]):
            if k == "logger":
                logger_run(base_times)
            else:
                procship_run(ps_times, ready_times)
    if ps_times and ready_times and med(ps_times) < med(ready_times):
        note("startup", f"agent_init reaches the receiver {med(ready_times) - med(ps_times):.0f} "
             "ms (median) before procship logs `ready` (BPF attached): a process that starts "
             "and exits in that window is in neither the /proc scan nor the events. `ready` is "
             "polled from stderr every 5 ms.")
    if not ps_times:
        row("startup", name="start-up", status="no agent_init datagram received")
        return
    row("startup", name="launch → agent_init datagram at the receiver", runs=len(ps_times),
        med=med(ps_times), spread=spread(ps_times), base_med=med(base_times),
        base_spread=spread(base_times),
        ratio=med(ps_times) / med(base_times) if base_times else float("nan"),
        ready_med=med(ready_times), ready_spread=spread(ready_times))
