#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A paced exec storm for the fault scenarios: bounded in count and time.

  paced_storm.py PREFIX COUNT INTERVAL_MS SECONDS

Spawns /usr/bin/true PREFIX-I for I in 0..COUNT-1, one every INTERVAL_MS milliseconds, reaping
them as it goes; stops spawning after SECONDS. Prints "spawned N failed F"; exits 1 unless all
COUNT were spawned and exited 0.
"""
import os
import sys
import time


def main(argv):
    prefix, count, interval, secs = argv[1], int(argv[2]), float(argv[3]) / 1000, float(argv[4])
    start = time.monotonic()
    spawned = failed = running = 0
    while spawned < count and time.monotonic() - start < secs:
        os.posix_spawn("/usr/bin/true", ["true", "%s-%d" % (prefix, spawned)], {})
        spawned += 1
        running += 1
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            running -= 1
            failed += status != 0
        delay = start + spawned * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    while running:
        _, status = os.wait()
        running -= 1
        failed += status != 0
    print("spawned %d failed %d" % (spawned, failed))
    return 0 if spawned == count and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
