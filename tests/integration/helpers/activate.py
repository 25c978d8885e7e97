#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Socket activation as systemd does it: bind a unix datagram socket at $ACTIVATE_PATH (mode
0666), put it at fd 3, set LISTEN_FDS=1, LISTEN_PID (this pid, which exec keeps) and
LISTEN_FDNAMES, and exec the command given. A wrapper for start_procship (IT_PROCSHIP_WRAPPER).
"""
import os
import socket
import sys


def main():
    path = os.environ["ACTIVATE_PATH"]
    if os.path.lexists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    fd = s.detach()
    if fd != 3:
        os.dup2(fd, 3, inheritable=True)
        os.close(fd)
    else:
        os.set_inheritable(3, True)
    os.environ["LISTEN_FDS"] = "1"
    os.environ["LISTEN_PID"] = str(os.getpid())
    os.environ["LISTEN_FDNAMES"] = "procship.socket"
    os.execv(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()
