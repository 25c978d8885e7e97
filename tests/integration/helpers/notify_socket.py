#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A service manager's notification socket, for the sd_notify tests.

  notify_socket.py PATH OUT [--seconds S]

Binds a unix datagram socket at PATH (what NOTIFY_SOCKET names), and appends every message
it receives to OUT as one line, its assignments joined by "|" (READY=1|STATUS=...), flushing
as it goes. Exits after S seconds (120) or on SIGTERM.
"""
import os
import signal
import socket
import sys
import time


def main():
    path, out = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--seconds" else 120
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o777)  # a daemon that dropped to another user still reaches it
    end = time.monotonic() + seconds
    with open(out, "a", encoding="utf-8") as f:
        while time.monotonic() < end:
            s.settimeout(max(0.1, end - time.monotonic()))
            try:
                data = s.recv(65536)
            except socket.timeout:
                break
            f.write(data.decode("utf-8", "replace").strip("\n").replace("\n", "|") + "\n")
            f.flush()


if __name__ == "__main__":
    main()
