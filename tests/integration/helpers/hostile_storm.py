#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A hostile exec storm and CPU hogs, bounded in count and time: the load of issue 19.

  hostile_storm.py [--loops N] [--args-bytes B] [--hogs H] [--seconds S] [--max-execs M]
                   [--uid UID --gid GID]

Runs N loops, each spawning /bin/true with B bytes of arguments (1 KiB each) as fast as it
can (os.posix_spawn: vfork and exec) and reaping it, and H busy loops (default: one per core),
for S seconds at most and M execs per loop at most. With --uid/--gid the loops (not the hogs)
give up root first: an unprivileged user's storm. Prints "execs=N per_sec=R loops=L" at the
end; exits 1 if a loop failed to spawn.
"""
import argparse
import os
import sys
import time


def hog(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def loop(argv, seconds, max_execs, wfd):
    end = time.monotonic() + seconds
    n = 0
    while n < max_execs and time.monotonic() < end:
        try:
            pid = os.posix_spawn(argv[0], argv, {"PATH": "/usr/bin:/bin"})
        except OSError:
            os.write(wfd, b"-1\n")
            return 1
        os.waitpid(pid, 0)
        n += 1
    os.write(wfd, b"%d\n" % n)
    return 0


def child(fn, *a):
    pid = os.fork()
    if pid == 0:
        os._exit(fn(*a) or 0)
    return pid


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--loops", type=int, default=2)
    ap.add_argument("--args-bytes", type=int, default=8192)
    ap.add_argument("--hogs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--max-execs", type=int, default=1000000)
    ap.add_argument("--uid", type=int)
    ap.add_argument("--gid", type=int)
    return ap.parse_args()


def main():
    a = parse()
    argv = ["/bin/true"] + ["x" * 1023] * ((a.args_bytes + 1023) // 1024)
    r, w = os.pipe()
    t0 = time.monotonic()
    pids = [child(hog, a.seconds) for _ in range(a.hogs)]
    if a.uid is not None:
        os.setgroups([])
        os.setresgid(a.gid, a.gid, a.gid)
        os.setresuid(a.uid, a.uid, a.uid)
    pids += [child(loop, argv, a.seconds, a.max_execs, w) for _ in range(a.loops)]
    os.close(w)
    for pid in pids:
        os.waitpid(pid, 0)
    counts = [int(x) for x in os.read(r, 65536).split()]
    wall = time.monotonic() - t0
    execs = sum(c for c in counts if c > 0)
    print(f"execs={execs} per_sec={execs / wall:.0f} loops={len(counts)}")
    return 1 if any(c < 0 for c in counts) or len(counts) != a.loops else 0


if __name__ == "__main__":
    sys.exit(main())
