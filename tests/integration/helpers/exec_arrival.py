#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Execs and the datagrams they cause, for the ring buffer's wake-up and poll paths.

  exec_arrival.py --port PORT --prefix P --paced N --interval-ms MS --burst M --parallel K
                  --background B --ready FILE --go FILE [--seconds S]

Binds 127.0.0.1:PORT (procship sends bare JSON there) and creates READY; once GO exists
(bounded: 60 s) it runs /usr/bin/true P-paced-I one
at a time, MS apart, each time reading datagrams until its process_exec has come (or 5 s): the
first half alone, the second half while B spawn loops of its own run /usr/bin/true bg-... as
fast as they can (so that procship polls the ring, whatever the host does), and
then M processes P-burst-J, K at a time, as fast as it can; after that it reads until every
burst process's exec and exit have come, or 10 s of silence. Bounded: at most S seconds in all
(default 120). Prints one JSON object: the paced execs' delays exec -> datagram (ms) in each
half, what
never came, and the processes whose exit came before their exec (same pid). Exits 0 when it
could run everything, whatever it found (the scenario judges).
"""
import argparse
import json
import os
import re
import socket
import time

SO_RCVBUFFORCE = 33


def args():
    ap = argparse.ArgumentParser()
    for name in ("port", "paced", "interval-ms", "burst", "parallel", "background"):
        ap.add_argument("--" + name, type=int, required=True)
    for name in ("prefix", "ready", "go"):
        ap.add_argument("--" + name, required=True)
    ap.add_argument("--seconds", type=float, default=120)
    return ap.parse_args()


class Seen:
    """Every datagram's kind, pid and marker, in the order they arrived."""

    def __init__(self, a):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
        self.sock.bind(("127.0.0.1", a.port))
        self.pat = re.compile(re.escape(a.prefix) + r"-(paced|burst)-(\d+)")
        self.execs, self.exits, self.order_bad = {}, {}, []
        self.exec_pid = {}

    def read(self, until):
        """Read datagrams until the deadline (monotonic); returns when one of ours came."""
        self.sock.settimeout(max(until - time.monotonic(), 0.001))
        try:
            data = self.sock.recv(70000)
        except socket.timeout:
            return False
        now = time.monotonic()
        doc = json.loads(data)
        kind = "process_exec" if "process_exec" in doc else (
            "process_exit" if "process_exit" in doc else None)
        if not kind:
            return False
        p = doc[kind]["process"]
        m = self.pat.fullmatch(p.get("arguments", ""))
        if not m:
            return False
        key = f"{m[1]}-{m[2]}"
        if kind == "process_exec":
            self.execs.setdefault(key, now)
            self.exec_pid[p["pid"]] = key
        else:
            self.exits.setdefault(key, now)
            if key not in self.execs:
                self.order_bad.append(key)
        return True


def burst(a, seen, end):
    running = spawned = 0
    while spawned < a.burst and time.monotonic() < end:
        while running >= a.parallel:
            os.wait()
            running -= 1
        os.posix_spawn("/usr/bin/true", ["true", f"{a.prefix}-burst-{spawned}"], {})
        spawned += 1
        running += 1
    while running:
        os.wait()
        running -= 1
    last = time.monotonic()
    while time.monotonic() < min(end, last + 10):
        if seen.read(min(end, last + 10)):
            last = time.monotonic()
        if all(f"burst-{j}" in seen.exits for j in range(spawned)):
            break
    return spawned


def background(n, seconds):
    """n spawn loops of /usr/bin/true for at most seconds; their pids (killed by the caller)."""
    pids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                os.waitpid(os.posix_spawn("/usr/bin/true", ["true", "bg-exec-arrival"], {}), 0)
            os._exit(0)
        pids.append(pid)
    return pids


def paced(a, seen, first, count, end):
    """count execs P-paced-I from I = first on, one at a time; their delays in ms."""
    delays = []
    for i in range(first, first + count):
        key = f"paced-{i}"
        t0 = time.monotonic()
        os.waitpid(os.posix_spawn("/usr/bin/true", ["true", f"{a.prefix}-{key}"], {}), 0)
        while key not in seen.execs and time.monotonic() < min(end, t0 + 5):
            seen.read(min(end, t0 + 5))
        if key in seen.execs:
            delays.append(round((seen.execs[key] - t0) * 1000, 3))
        time.sleep(max(t0 + a.interval_ms / 1000 - time.monotonic(), 0))
    return delays


def main():
    a = args()
    seen = Seen(a)
    open(a.ready, "w").close()
    wait = time.monotonic() + 60
    while not os.path.exists(a.go) and time.monotonic() < wait:
        time.sleep(0.05)
    end = time.monotonic() + a.seconds
    half = a.paced // 2
    alone = paced(a, seen, 0, half, end)
    bg = background(a.background, a.paced * a.interval_ms / 1000 + 10)
    try:
        busy = paced(a, seen, half, a.paced - half, end)
    finally:
        for pid in bg:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
    spawned = burst(a, seen, end)
    want = [f"paced-{i}" for i in range(a.paced)] + [f"burst-{j}" for j in range(a.burst)]
    print(json.dumps({
        "alone_ms": sorted(alone), "busy_ms": sorted(busy), "spawned_burst": spawned,
        "missing_exec": [k for k in want if k not in seen.execs],
        "missing_exit": [k for k in want if k not in seen.exits],
        "exit_before_exec": seen.order_bad}))


if __name__ == "__main__":
    main()
