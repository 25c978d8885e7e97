# SPDX-License-Identifier: Apache-2.0
"""Case 8, relaying local syslog: the same RFC 3164 datagrams, written by blocking writers as
syslog(3) writes them, through procship --input-unix (relay), through rsyslog imuxsock ->
omfwd (the set-up procship replaces) and through syslog-ng unix-dgram() -> network(udp), to
one UDP receiver, runs interleaved. The writers send flat out, and again paced at PACED
datagrams a second (bursts at each millisecond, as applications log), where what a relay pays
per wake-up shows. Reported per relay: messages received per second of wall time and per
CPU-second of the relay (all its threads, schedstat), and the ratio to rsyslog (procship's
target: at least 3x per CPU-second). raw-relay (bench/raw_relay.c) forwards the same datagrams
unchanged with procship's wake-up policy and nothing else: the floor every relay pays for the
two sockets here, so its ratio to rsyslog bounds the ratio any relay can reach.
Both relays' sockets are created under each queue length of QLENS (net.unix.max_dgram_qlen,
put back after): this machine's default and the 512 systemd sets on its hosts; the queue
bounds how many datagrams one wake-up can find."""
import os
import socket
import subprocess
import tempfile
import time

from lib import env, syslogng
from lib.env import fail, helper, log
from lib.proc import Procship, pin, proc_cpu
from lib.receivers import Sink
from lib.results import note, row
from lib.stats import med, spread

KINDS = ["rsyslog", "syslog-ng", "procship", "procship-nowait", "raw-relay"]
PACED = 20000
QLENS = [10, 512]
QLEN_SYSCTL = "/proc/sys/net/unix/max_dgram_qlen"
WRITERS = 2
MARK = "relaybench"


def pace(i, per_ms, t0):
    """Paced writers send per_ms datagrams at each millisecond tick (the rate an application
    logs at, in the bursts a scheduler tick gives): sleep until the next tick is due."""
    if per_ms and i % per_ms == 0:
        due = t0 + (i // per_ms) / 1000.0
        d = due - time.monotonic()
        if d > 0:
            time.sleep(d)


def write_all(path, n, rate=None):
    """WRITERS processes send n datagrams in all, blocking, flat out or at rate datagrams a
    second in all; returns when all are written."""
    per = n // WRITERS
    per_ms = max(1, rate // WRITERS // 1000) if rate else 0
    pids = []
    for w in range(WRITERS):
        pid = os.fork()
        if pid == 0:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.connect(path)
                stamp = time.strftime("%b %e %H:%M:%S").encode()
                head = b"<38>" + stamp + b" sshd[%d]: Failed password for invalid user " \
                    b"%s from 10.0.0.%d port 22 ssh2 " % (os.getpid(), MARK.encode(), w)
                t0 = time.monotonic()
                for i in range(per):
                    pace(i, per_ms, t0)
                    s.send(head + b"%d" % i)
            finally:
                os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    return per * WRITERS


def start_rsyslog(d, sock, port):
    conf = os.path.join(d, "rsyslog.conf")
    with open(conf, "w") as f:
        f.write(f"""global(workDirectory="{d}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{sock}")
*.* action(type="omfwd" target="127.0.0.1" port="{port}" protocol="udp")
""")
    p = subprocess.Popen(["rsyslogd", "-n", "-f", conf, "-i", os.path.join(d, "pid")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(sock):
            return p
        time.sleep(0.01)
    p.kill()
    fail("rsyslogd did not create its imuxsock socket")
    return None


def start_relay(kind, d, sock, port):
    """The relay under test, reading sock and sending to port: (process, pid) or None."""
    if kind.startswith("procship"):
        # procship-nowait: the same without coalescing wake-ups, to show what they save
        nowait = ["--input-unix-coalesce-us", "0"] if kind == "procship-nowait" else []
        ps = Procship("--process-events=false", "--udp-output-enabled", "--udp-output-address",
                      f"127.0.0.1:{port}", "--udp-buffer-size", str(4 << 20),
                      "--input-unix", sock, *nowait)
        return ps, ps.p.pid
    if kind == "raw-relay":
        p = subprocess.Popen([helper("raw_relay"), "--socket", sock, "--port", str(port)],
                             stdout=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(sock):
                return p, p.pid
            time.sleep(0.01)
        p.kill()
        fail("raw_relay did not create its socket")
        return None
    if kind == "syslog-ng":
        p, _ = syslogng.start("relay", f'source s_unix {{ unix-dgram("{sock}"); }};\n' +
                              syslogng.udp_destination(port) +
                              "log { source(s_unix); destination(d_udp); };\n", sock)
        return (p, p.pid) if p else None
    p = start_rsyslog(d, sock, port)
    return (p, p.pid) if p else None


def one_run(kind, n, rate=None):
    """One relay over n messages: {"rate": msg/s, "per_cpu": msg per CPU-second} or None."""
    d = tempfile.mkdtemp(prefix=f"relay-{kind}.", dir=env.TMP)
    sock = os.path.join(d, "log.sock")
    sink = Sink("--match", MARK, "--count", str(n), "--idle-ms", "3000", "--rcvbuf",
                str(64 << 20), max_seconds=120, poll_us=env.SINK_POLL_US, prefix=pin(1))
    started = start_relay(kind, d, sock, sink.port)
    if not started:
        sink.finish(timeout=1, stop=True)
        return None
    proc, pid = started
    time.sleep(0.2)
    cpu0, t0 = proc_cpu(pid)[1], time.monotonic()
    sent = write_all(sock, n, rate)
    res = sink.finish(timeout=120)
    t1, cpu1 = time.monotonic(), proc_cpu(pid)[1]
    if kind.startswith("procship"):
        proc.stop()
    else:
        proc.terminate()
        proc.wait(timeout=10)
    got = int(res.get("matched", 0))
    if got < sent:
        log(f"relay {kind}: {got} of {sent} arrived")
    if got == 0:
        fail(f"relay {kind}: the receiver got nothing")
        return None
    return {"rate": got / (t1 - t0), "per_cpu": got / max(cpu1 - cpu0, 1e-6), "got": got,
            "sent": sent}


def set_qlen(v):
    with open(QLEN_SYSCTL, "w") as f:
        f.write(f"{v}\n")


def one_qlen(qlen, reps, n, rate, kinds):
    runs = {k: [] for k in kinds}
    pace = f"{rate}/s" if rate else "flat out"
    for r in range(reps):
        for kind in (kinds if r % 2 == 0 else list(reversed(kinds))):
            res = one_run(kind, n, rate)
            if res:
                runs[kind].append(res)
                log(f"relay {kind} qlen {qlen} {pace}: {res['got']}/{res['sent']} received, "
                    f"{res['rate']:.0f}/s, {res['per_cpu']:.0f} per CPU-second")
    base = med([x["per_cpu"] for x in runs["rsyslog"]]) if runs["rsyslog"] else None
    for kind in kinds:
        xs = runs[kind]
        if not xs:
            row("relay", kind=kind, qlen=qlen, pace=pace, status="did not run")
            continue
        per = [x["per_cpu"] for x in xs]
        row("relay", kind=kind, qlen=qlen, pace=pace, runs=len(xs), n=n,
            rate_med=med([x["rate"] for x in xs]),
            rate_spread=spread([x["rate"] for x in xs], "{:.0f}"), per_med=med(per),
            per_spread=spread(per, "{:.0f}"), lost=sum(x["sent"] - x["got"] for x in xs),
            ratio=med(per) / base if base else None)


def relay_case(reps, quick):
    n = 2000 if quick else 200000
    kinds = KINDS if syslogng.root() else [k for k in KINDS if k != "syslog-ng"]
    if len(kinds) < len(KINDS):
        row("relay", kind="syslog-ng", qlen="", pace="",
            status=f"not available: {syslogng.why()}")
    old = open(QLEN_SYSCTL).read().strip()
    try:
        for qlen in QLENS:
            set_qlen(qlen)
            one_qlen(qlen, reps, n, None, kinds)
            one_qlen(qlen, reps, n // 5, PACED, kinds)
    finally:
        set_qlen(old)
    note("relay", f"{WRITERS} blocking writers (Python, one datagram per send, as syslog(3)), "
                  "the relay's CPU is every thread's on-CPU time (schedstat) while it relays; "
                  "the receiver runs alone on CPU 1. rsyslog: imuxsock (special parser, the "
                  "default) -> omfwd, RSYSLOG_TraditionalForwardFormat; syslog-ng 3.38 "
                  "(Debian's, unpacked privately): unix-dgram() -> network(transport(udp)); "
                  "procship: --input-unix, --text-format relay, RFC 3164 (procship-nowait: "
                  "the same with --input-unix-coalesce-us 0); raw-relay: bench/raw_relay.c, "
                  "recvmmsg -> sendmmsg of the datagrams unchanged, with procship's wake-ups "
                  "(the floor of any relay here). Paced rows: the "
                  f"writers send {PACED} datagrams a second in all, a burst each millisecond.")
