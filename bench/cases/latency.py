# SPDX-License-Identifier: Apache-2.0
"""Case 4, latency: execve in the loop's child → the process_exec datagram at the receiver,
at a low and at the maximum exec rate."""
import os
import time

from lib import env
from lib.env import fail, log
from lib.proc import Procship, run_execloop
from lib.receivers import Sink
from lib.results import row

# The receiver at procship's own nice value: on a loaded host a receiver at nice 0 waits for
# the CPU behind everyone else, a delay a remote receiver would not add to the figure.
SINK_NICE = ["nice", "-n", "-10"]


def one(label, rate, n, binary):
    prefix = f"psblat{os.getpid()}x"
    sink = Sink("--match", '"process_exec"', "--match", '"arguments":"' + prefix,
                "--lat-prefix", prefix, "--count", str(n), max_seconds=120, prefix=SINK_NICE)
    ps = Procship("--udp-output-enabled", "--udp-output-address", f"127.0.0.1:{sink.port}",
                  binary=binary)
    time.sleep(0.2)
    extra = ["--rate", str(rate)] if rate else []
    r = run_execloop(n, *extra, "--latmark", prefix)
    res = sink.finish(timeout=15)
    ps.stop()
    who = " (--baseline)" if binary else ""
    if not r or "lat_p50_us" not in res:
        fail(f"latency {label}{who}: no samples")
        row("latency", name=label + who, status="no samples")
        return
    load = '%d/s' % rate if rate else 'max rate, ~%s/s' % r['per_sec']
    row("latency", name=f"{label} rate ({load}){who}",
        n=int(res["lat_n"]), execs=int(r["execs"]), p50=float(res["lat_p50_us"]),
        p90=float(res["lat_p90_us"]), p99=float(res["lat_p99_us"]),
        max=float(res["lat_max_us"]), **split(res))
    log(f"latency {label}{who}: p50 {res['lat_p50_us']}us p99 {res['lat_p99_us']}us; "
        f"on the socket p99 {res.get('arr_p99_us')}us; event time to socket "
        f"p50 {res.get('ev_p50_us')}us p99 {res.get('ev_p99_us')}us")


def split(res):
    """The same samples without the receiver's wake-up (arrival on the socket, SO_TIMESTAMPNS)
    and without the execve itself (the event's own "time", the kernel's exec time)."""
    out = {}
    for k in ("arr", "ev"):
        if int(res.get(f"{k}_n", 0)):
            out[f"{k}_p50"] = float(res[f"{k}_p50_us"])
            out[f"{k}_p99"] = float(res[f"{k}_p99_us"])
            out[f"{k}_max"] = float(res[f"{k}_max_us"])
    return out


def latency_case(quick):
    """Each load once per binary; with --baseline, that binary right before this one."""
    plans = [("low", 20, 10 if quick else 300), ("high", 0, 200 if quick else 3000)]
    for label, rate, n in plans:
        for binary in ([env.BASELINE] if env.BASELINE else []) + [None]:
            one(label, rate, n, binary)
