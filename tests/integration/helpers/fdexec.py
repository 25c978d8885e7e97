#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Exec /usr/bin/true through a file descriptor (fexecve: execveat(fd, "", AT_EMPTY_PATH)),
for the binary-identity scenarios.

  fdexec.py memfd INOFILE ARGS...          a copy in a memfd (no link)
  fdexec.py unlinked INOFILE PATH ARGS...  a copy at PATH, opened, then unlinked
  fdexec.py linked INOFILE ARGS...         /usr/bin/true itself, opened
  fdexec.py self ARGS...                   re-exec this python through /proc/self/exe

The inode number of the executed file goes to INOFILE first; ARGS become argv[1..].
"""
import os
import sys


def main():
    mode = sys.argv[1]
    if mode == "self":
        os.execv("/proc/self/exe", [sys.executable, "-c", "pass"] + sys.argv[2:])
    inofile, rest = sys.argv[2], sys.argv[3:]
    if mode == "memfd":
        fd = os.memfd_create("procship-it", 0)
        with open("/usr/bin/true", "rb") as f:
            os.write(fd, f.read())
    elif mode == "unlinked":
        path, rest = rest[0], rest[1:]
        with open("/usr/bin/true", "rb") as src, open(path, "wb") as dst:
            dst.write(src.read())
        os.chmod(path, 0o755)
        fd = os.open(path, os.O_RDONLY)
        os.unlink(path)
    elif mode == "linked":
        fd = os.open("/usr/bin/true", os.O_RDONLY)
    else:
        sys.exit(f"fdexec: unknown mode {mode}")
    with open(inofile, "w") as f:
        f.write(f"{os.fstat(fd).st_ino} {fd}\n")
    os.execve(fd, ["true"] + rest, dict(os.environ))


if __name__ == "__main__":
    main()
