#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Exec /usr/bin/true with an environment block no shell can build, for the environment
scenario: execve(2) itself, through ctypes, with envp strings as given.

  envexec.py ARG ENTRY...    argv is ["true", ARG]; each ENTRY is one envp string, written
                             with Python's backslash escapes (\\xff is the byte 0xff), so an
                             entry may lack '=', start with it, be empty or not be UTF-8
  envexec.py ARG @FILE       the entries are FILE's lines (so that this process's own
                             arguments stay short)
"""
import ctypes
import sys


def main():
    arg = sys.argv[1].encode()
    given = sys.argv[2:]
    if len(given) == 1 and given[0].startswith("@"):
        with open(given[0][1:]) as f:
            given = f.read().splitlines()
    entries = [e.encode("latin-1").decode("unicode_escape").encode("latin-1") for e in given]
    libc = ctypes.CDLL(None, use_errno=True)
    argv = (ctypes.c_char_p * 3)(b"true", arg, None)
    envp = (ctypes.c_char_p * (len(entries) + 1))(*entries, None)
    libc.execve(b"/usr/bin/true", argv, envp)
    sys.exit("execve: errno %d" % ctypes.get_errno())


if __name__ == "__main__":
    main()
