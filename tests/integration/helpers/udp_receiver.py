#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The integration tests' one UDP receiver (started through lib/receivers.sh: start_udp_sink,
start_counter); it loses nothing it accepted.

  udp_receiver.py --port PORT [--out FILE] [--newlines escape|refuse] [--sizes FILE]
                  [--peers FILE] [--stamps FILE] [--ready FILE] [--kdrops FILE] [--seconds S]

Binds 127.0.0.1:PORT with a large receive buffer, creates the file READY, and for every
datagram appends one line to each file given, flushing as it goes:
  --out     the datagram. --newlines escape (the default) writes a newline or NUL inside it as
            \\n or \\0, so that one datagram is always one line; --newlines refuse writes its
            bytes as received, and a datagram holding a newline is not written but counted in
            OUT.bad (the file holds the count) instead.
  --sizes   its size in bytes.
  --peers   the port it came from.
  --stamps  CLOCK_MONOTONIC nanoseconds when it was read.
On SIGTERM, or after SECONDS (300), it stops accepting: the socket is connect()ed to
127.0.0.1:9, after which the kernel refuses other senders' datagrams with ICMP port
unreachable, exactly as for a closed port, while those already queued stay readable; it reads
them, appends the number of datagrams its socket dropped for a full receive buffer (from
/proc/net/udp) to KDROPS, and exits 0.
"""
import argparse
import os
import signal
import socket
import sys
import time

SO_RCVBUFFORCE = 33
stop = False


def on_term(*_):
    global stop
    stop = True


def kernel_drops(inode):
    with open("/proc/net/udp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if int(fields[9]) == inode:
                return int(fields[-1])
    return 0


class Files:
    """The files every datagram is written to."""

    def __init__(self, args):
        self.refuse = args.newlines == "refuse"
        self.out_path = args.out
        self.bad = 0
        self.files = {}
        for name in ("out", "sizes", "peers", "stamps"):
            path = getattr(args, name)
            if path:
                self.files[name] = open(path, "ab")

    def write(self, data, addr):
        sizes, peers = self.files.get("sizes"), self.files.get("peers")
        stamps = self.files.get("stamps")
        if stamps:
            stamps.write(b"%d\n" % time.monotonic_ns())
            stamps.flush()
        if sizes:
            sizes.write(b"%d\n" % len(data))
            sizes.flush()
        if peers:
            peers.write(b"%d\n" % addr[1])
            peers.flush()
        out = self.files.get("out")
        if not out:
            return
        if not self.refuse:
            out.write(data.replace(b"\n", b"\\n").replace(b"\0", b"\\0") + b"\n")
        elif b"\n" in data:
            self.bad += 1
            with open(self.out_path + ".bad", "w") as fb:
                fb.write("%d\n" % self.bad)
            return
        else:
            out.write(data + b"\n")
        out.flush()

    def close(self):
        for f in self.files.values():
            f.close()


def bind(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:  # root: beyond net.core.rmem_max
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    s.bind(("127.0.0.1", port))
    return s


def receive(s, files, secs):
    deadline = time.monotonic() + secs
    s.settimeout(0.2)
    while not stop and time.monotonic() < deadline:
        try:
            data, addr = s.recvfrom(70000)
        except (socket.timeout, InterruptedError):
            continue
        files.write(data, addr)


def drain(s, files):
    s.connect(("127.0.0.1", 9))
    s.setblocking(False)
    while True:
        try:
            data, addr = s.recvfrom(70000)
        except BlockingIOError:
            break
        except ConnectionRefusedError:
            continue  # a pending error of the connected socket, not a datagram
        files.write(data, addr)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out")
    ap.add_argument("--newlines", choices=["escape", "refuse"], default="escape")
    ap.add_argument("--sizes")
    ap.add_argument("--peers")
    ap.add_argument("--stamps")
    ap.add_argument("--ready")
    ap.add_argument("--kdrops")
    ap.add_argument("--seconds", type=float, default=300)
    args = ap.parse_args(argv[1:])
    s = bind(args.port)
    inode = os.fstat(s.fileno()).st_ino
    signal.signal(signal.SIGTERM, on_term)
    files = Files(args)
    if args.ready:
        open(args.ready, "w").close()
    receive(s, files, args.seconds)
    drain(s, files)
    files.close()
    if args.kdrops:
        with open(args.kdrops, "a") as f:
            f.write("%d\n" % kernel_drops(inode))
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
