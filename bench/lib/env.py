# SPDX-License-Identifier: Apache-2.0
"""Run-wide settings of one bench/run pass: paths, the binaries measured, options, the scratch
directory, and the list of things that did not run."""
import os
import re
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # bench/
ROOT = os.path.dirname(HERE)
BUILD = os.path.join(ROOT, "build", "bench")
BIN = os.environ.get("BENCH_BIN", BUILD)  # the C helpers, built by `make bench-helpers`
PROCSHIP = os.environ.get("PROCSHIP", os.path.join(ROOT, "build", "procship"))
BASELINE = None  # --baseline: another procship binary, measured next to PROCSHIP
CLK_TCK = os.sysconf("SC_CLK_TCK")
CASES = ["overhead", "bpftrace", "auditd", "laurel", "cost", "enrich", "throughput",
         "latency", "startup", "normalize", "relay", "storm", "lineage", "rss",
         "cpu"]
HELPERS = ["udp_sink", "execloop", "sendmmsg_flood", "nop", "raw_relay"]

SINK_POLL_US = 200  # set from --sink-poll-us
STORM_SWEEP = None  # --storm-sweep: counts of loops, the storm case's curve alone
STORM_SECONDS = 15  # --storm-seconds: each run of that sweep
TMP = None          # the pass's scratch directory
FAILURES = []       # things that did not run (quick mode fails on these)


def log(*a):
    print("[bench]", *a, file=sys.stderr, flush=True)


def fail(msg):
    log("FAILED:", msg)
    FAILURES.append(msg)


def kv(line):
    return {k: v for k, v in re.findall(r"(\w+)=(\S+)", line)}


def helper(name):
    return os.path.join(BIN, name)


def check_helpers():
    """The C helpers are built by `make bench-helpers` (into BENCH_BIN)."""
    for name in HELPERS:
        if not os.access(helper(name), os.X_OK):
            sys.exit(f"bench/run: {helper(name)} is not built (make bench-helpers)")


def loadavg():
    return open("/proc/loadavg").read().split()[0]
