#!/usr/bin/env python3
"""A UDP receiver that loses nothing it accepted (started through lib.sh's start_counter).

  udp_counter.py PORT OUT KDROPS READY SECONDS

Binds 127.0.0.1:PORT with a large receive buffer, creates the file READY, and appends every
datagram to OUT as one line (a newline or NUL inside a datagram is written as \\n or \\0, so
that one datagram is always one line). On SIGTERM, or after SECONDS, it stops accepting: the
socket is connect()ed to 127.0.0.1:9, after which the kernel refuses other senders' datagrams
with ICMP port unreachable, exactly as for a closed port, while those already queued stay
readable; it reads them, appends the number of datagrams its socket dropped for a full
receive buffer (from /proc/net/udp) to KDROPS, and exits 0.
"""
import os
import signal
import socket
import sys
import time

stop = False


def on_term(*_):
    global stop
    stop = True


def kernel_drops(port, inode):
    with open("/proc/net/udp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if int(fields[9]) == inode:
                return int(fields[-1])
    return 0


def main(argv):
    port, out, kdrops, ready, secs = int(argv[1]), argv[2], argv[3], argv[4], float(argv[5])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:  # root: beyond net.core.rmem_max
        s.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)  # SO_RCVBUFFORCE
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    s.bind(("127.0.0.1", port))
    inode = os.fstat(s.fileno()).st_ino
    signal.signal(signal.SIGTERM, on_term)
    open(ready, "w").close()
    deadline = time.monotonic() + secs
    with open(out, "ab") as fo:
        def write(data):
            fo.write(data.replace(b"\n", b"\\n").replace(b"\0", b"\\0") + b"\n")

        s.settimeout(0.2)
        while not stop and time.monotonic() < deadline:
            try:
                data = s.recv(70000)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            write(data)
            fo.flush()
        s.connect(("127.0.0.1", 9))
        s.setblocking(False)
        while True:
            try:
                data = s.recv(70000)
            except BlockingIOError:
                break
            except ConnectionRefusedError:
                continue  # a pending error of the connected socket, not a datagram
            write(data)
        fo.flush()
    with open(kdrops, "a") as f:
        f.write("%d\n" % kernel_drops(port, inode))
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
