#!/usr/bin/env python3
"""A bare UDP receiver for the integration tests (started through lib.sh's start_udp_sink).

  udp_sink.py PORT OUT SIZES SECONDS

Binds 127.0.0.1:PORT with a large receive buffer and writes every datagram as one line of OUT
(its bytes as received) and its size as one line of SIZES, flushing each. A datagram holding a
newline is not written to OUT: it is counted in OUT.bad. Ends on SIGTERM or after SECONDS.
"""
import signal
import socket
import sys
import time


def main(argv):
    port, out, sizes, secs = int(argv[1]), argv[2], argv[3], float(argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:  # root: beyond net.core.rmem_max
        s.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)  # SO_RCVBUFFORCE
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    s.bind(("127.0.0.1", port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    deadline = time.monotonic() + secs
    bad = 0
    with open(out, "ab") as fo, open(sizes, "a") as fs:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return 0
            s.settimeout(min(left, 1.0))
            try:
                data = s.recv(70000)
            except socket.timeout:
                continue
            fs.write("%d\n" % len(data))
            fs.flush()
            if b"\n" in data:
                bad += 1
                with open(out + ".bad", "w") as fb:
                    fb.write("%d\n" % bad)
                continue
            fo.write(data + b"\n")
            fo.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
