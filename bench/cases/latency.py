# SPDX-License-Identifier: Apache-2.0
"""Case 4, latency: execve in the loop's child → the process_exec datagram at the receiver,
at a low and at the maximum exec rate."""
import os
import time

from cases.storm import start_hogs
from lib import env
from lib.env import fail, log
from lib.proc import Procship, run_execloop
from lib.receivers import Sink
from lib.results import row

# The receiver at procship's own nice value: on a loaded host a receiver at nice 0 waits for
# the CPU behind everyone else, a delay a remote receiver would not add to the figure.
SINK_NICE = ["nice", "-n", "-10"]


# Each load with procship's defaults and with --realtime-priority, on the quiet host and next
# to a CPU-bound job per core at nice 0 (other users' work: what the real-time class is for).
CONFIGS = [("defaults", []), ("--realtime-priority 10", ["--realtime-priority", "10"])]
HOSTS = ["quiet", "busy"]


def one(label, rate, n, binary, host="quiet", config=("defaults", []), rep=1):
    prefix = f"psblat{os.getpid()}x"
    sink = Sink("--match", '"process_exec"', "--match", '"arguments":"' + prefix,
                "--lat-prefix", prefix, "--count", str(n), max_seconds=120, prefix=SINK_NICE)
    ps = Procship("--udp-output-enabled", "--udp-output-address", f"127.0.0.1:{sink.port}",
                  *config[1], binary=binary)
    time.sleep(0.2)
    extra = ["--rate", str(rate)] if rate else []
    r = run_execloop(n, *extra, "--latmark", prefix)
    res = sink.finish(timeout=15)
    ps.stop()
    who = (" (--baseline)" if binary else "") + f", {host}, {config[0]}"
    if not r or "lat_p50_us" not in res:
        fail(f"latency {label}{who}: no samples")
        row("latency", name=label + who, status="no samples", host=host, config=config[0],
            label=label, rep=rep)
        return
    load = '%d/s' % rate if rate else 'max rate, ~%s/s' % r['per_sec']
    row("latency", name=f"{label} rate ({load}){who}", host=host, config=config[0],
        label=label + (" (--baseline)" if binary else ""), rep=rep,
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


def latency_case(quick, reps=1):
    """Each load once per binary, configuration and host in every rep; with --baseline, that
    binary right before this one."""
    plans = [("low", 20, 10 if quick else 300), ("high", 0, 200 if quick else 3000)]
    for rep in range(1, reps + 1):
        for host in HOSTS:
            load = start_hogs(900) if host == "busy" else []
            try:
                for label, rate, n in plans:
                    for config in CONFIGS:
                        for binary in ([env.BASELINE] if env.BASELINE else []) + [None]:
                            one(label, rate, n, binary, host, config, rep)
            finally:
                for h in load:
                    h.kill()
                    h.wait()
