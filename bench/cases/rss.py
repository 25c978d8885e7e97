# SPDX-License-Identifier: Apache-2.0
"""Case rss, issue 15's memory cost: procship's peak RSS (VmHWM) after N execs of the max-rate
exec loop, with each optional enrichment on alone, all of them on, and none, one run each in
one pass. Peak RSS does not depend on timing, so one run per variant says it even on a busy
host; the loss column says whether procship kept up (a lost event is memory not spent)."""
from cases.lineage import one_run
from lib.env import fail
from lib.results import note, row

VARIANTS = [
    ("off", []),
    ("--enable-process-cred", ["--enable-process-cred"]),
    ("--enable-process-ns", ["--enable-process-ns"]),
    ("--enable-ancestors base", ["--enable-ancestors", "base"]),
    ("--username-metadata unix", ["--username-metadata", "unix"]),
    ("--enable-process-environment-variables", ["--enable-process-environment-variables"]),
    ("all on", ["--enable-process-cred", "--enable-process-ns", "--enable-ancestors", "base",
                "--username-metadata", "unix", "--enable-process-environment-variables"]),
]


def rss_case(n):
    base = None
    for i, (name, flags) in enumerate(VARIANTS):
        m = one_run(flags, n, f"rss-{i}")
        if not m or not m["hwm_kb"]:
            fail(f"rss: no run for {name}")
            continue
        base = base or (m["hwm_kb"] if name == "off" else None)
        row("rss", name=name, execs=m["execs"], hwm_kb=m["hwm_kb"], lost=m["lost"],
            added=(m["hwm_kb"] - base) if base else None)
    note("rss", "VmHWM of procship from /proc/PID/status just before it is stopped, after the "
         "exec loop's last exec has reached the UDP sink; UDP output to a local sink, default "
         "options otherwise. The loop's children exit at once, so the cache holds no ancestor "
         "for long: this is the cost of the options at a steady exec rate, not of a host with "
         "many long-lived deep process trees.")
