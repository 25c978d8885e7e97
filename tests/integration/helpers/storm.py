#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Exec storm driver for the integration tests: bounded and self-stopping.

  storm.py PREFIX COUNT PARALLEL SECONDS

Spawns /usr/bin/true PREFIX-I for I in 0..COUNT-1 with os.posix_spawn, at most PARALLEL at a
time, reaping them all; stops spawning after SECONDS. Prints "spawned N failed F" and exits 1
unless all COUNT were spawned and exited 0.
"""
import os
import sys
import time


def main(argv):
    prefix, count, par, secs = argv[1], int(argv[2]), int(argv[3]), float(argv[4])
    deadline = time.monotonic() + secs
    running = 0
    spawned = failed = 0
    while spawned < count and time.monotonic() < deadline:
        while running >= par:
            _, status = os.wait()
            running -= 1
            if status != 0:
                failed += 1
        os.posix_spawn("/usr/bin/true", ["true", "%s-%d" % (prefix, spawned)], {})
        spawned += 1
        running += 1
    while running > 0:
        _, status = os.wait()
        running -= 1
        if status != 0:
            failed += 1
    print("spawned %d failed %d" % (spawned, failed))
    return 0 if spawned == count and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
