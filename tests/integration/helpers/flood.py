#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A bounded flood of local syslog messages, as blocking writers like syslog(3) send them.

  flood.py SOCK MARKER WRITERS COUNT SECONDS [RATE]

WRITERS processes each send up to COUNT datagrams
"<14>Mmm dd hh:mm:ss flood[PID]: MARKER W N T" (T: CLOCK_MONOTONIC ns just before the send)
to SOCK with a blocking socket, stopping after SECONDS, and time every send. With RATE, each
writer sends RATE datagrams a second, a burst at every millisecond (as applications log),
instead of flat out. Prints one JSON line: {"sent": total, "max_block_ms": longest single
send, "p99_block_ms": ..., "writers": W}.
"""
import json
import os
import socket
import sys
import time


def pace(i, per_ms, t0):
    """Sleep until burst i // per_ms is due (one burst a millisecond)."""
    if per_ms and i % per_ms == 0:
        d = t0 + (i // per_ms) / 1000.0 - time.monotonic()
        if d > 0:
            time.sleep(d)


def writer(path, marker, w, count, secs, out_fd, rate=0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect(path)
    stamp = time.strftime("%b %e %H:%M:%S", time.localtime()).encode()
    head = b"<14>" + stamp + b" flood[%d]: " % os.getpid() + marker.encode()
    deadline = time.monotonic() + secs
    blocks = []
    sent = 0
    per_ms, start = max(1, rate // 1000) if rate else 0, time.monotonic()
    while sent < count and time.monotonic() < deadline:
        pace(sent, per_ms, start)
        msg = head + b" %d %d %d" % (w, sent, time.monotonic_ns())
        t0 = time.monotonic()
        s.send(msg)
        blocks.append(time.monotonic() - t0)
        sent += 1
    blocks.sort()
    res = {"sent": sent, "max": blocks[-1] if blocks else 0,
           "p99": blocks[int(len(blocks) * 0.99)] if blocks else 0}
    os.write(out_fd, (json.dumps(res) + "\n").encode())


def main(argv):
    path, marker, writers, count, secs = argv[1], argv[2], int(argv[3]), int(argv[4]), float(argv[5])
    rate = int(argv[6]) if len(argv) > 6 else 0
    r, wfd = os.pipe()
    pids = []
    for w in range(writers):
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                writer(path, marker, w, count, secs, wfd, rate)
            finally:
                os._exit(0)
        pids.append(pid)
    os.close(wfd)
    for pid in pids:
        os.waitpid(pid, 0)
    lines = os.fdopen(r).read().split("\n")
    res = [json.loads(x) for x in lines if x]
    if len(res) != writers:
        sys.exit("only %d of %d writers reported" % (len(res), writers))
    print(json.dumps({"sent": sum(x["sent"] for x in res), "writers": writers,
                      "max_block_ms": round(max(x["max"] for x in res) * 1000, 2),
                      "p99_block_ms": round(max(x["p99"] for x in res) * 1000, 3)}))


if __name__ == "__main__":
    main(sys.argv)
