# SPDX-License-Identifier: Apache-2.0
"""Case 6, normalization cost per message: the same generated sshd lines through procship with
and without --rulebase and through rsyslog with and without mmnormalize, interleaved, with a
spot check of the fields each sender produced."""
import datetime
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from lib import env
from lib.env import fail, log
from lib.proc import Procship, procship_help, ru_cpu, wait_child
from lib.receivers import Sink
from lib.results import ROWS, note, row
from lib.stats import med, spread

RULEBASE = os.path.join(env.ROOT, "conf", "rulebases", "sshd.rb")
NORM_USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
              "judy", "mallory", "oscar", "peggy", "trent", "walter", "admin", "oracle", "test"]
NORM_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
NORM_KINDS = ["procship", "procship+rulebase", "rsyslog", "rsyslog+mmnormalize"]
CMDS = {"procship": "procship --process-events=false --input-stdin --text-format json "
                    "--udp-output-enabled --udp-output-address 127.0.0.1:SINK < FILE",
        "procship+rulebase": "procship --process-events=false --input-stdin --rulebase "
                             "conf/rulebases/sshd.rb --udp-output-enabled "
                             "--udp-output-address 127.0.0.1:SINK < FILE",
        "rsyslog": "rsyslogd -n: imptcp (one TCP connection) → pmrfc3164 → omfwd udp, "
                   "template <%PRI%>%TIMESTAMP% %HOSTNAME% %syslogtag% "
                   "{\"msg\":\"%msg:::json%\",\"fields\":%$!%}",
        "rsyslog+mmnormalize": "the same + action(type=\"mmnormalize\" "
                               "rulebase=\"conf/rulebases/sshd.rb\") before omfwd"}


def sshd_message(rnd, user, ip, port):
    """One sshd message: (matched by a rule of sshd.rb, text)."""
    x = rnd.random()
    if x < 0.30:
        return True, f"Accepted password for {user} from {ip} port {port} ssh2"
    if x < 0.45:
        kt, fp = rnd.choice([("RSA", 43), ("ED25519", 43), ("ECDSA", 43)])
        fpv = "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                 "0123456789+/") for _ in range(fp))
        return True, f"Accepted publickey for {user} from {ip} port {port} ssh2: {kt} SHA256:{fpv}"
    if x < 0.70:
        return True, f"Failed password for invalid user {user} from {ip} port {port} ssh2"
    if x < 0.80:
        return True, f"Failed password for {user} from {ip} port {port} ssh2"
    return False, rnd.choice([
        f"pam_unix(sshd:session): session opened for user {user}(uid=1000) by (uid=0)",
        f"pam_unix(sshd:session): session closed for user {user}",
        f"Received disconnect from {ip} port {port}:11: disconnected by user",
        f"Disconnected from user {user} {ip} port {port}",
        f"Connection closed by authenticating user {user} {ip} port {port} [preauth]",
    ])


def make_sshd_lines(path, count, seed=7):
    """count RFC 3164 sshd lines (PRI 38 = auth.info); ~80% match a rule of sshd.rb, ~20% match
    none. Returns per-line (matched, user) for the spot checks."""
    rnd = random.Random(seed)
    meta = []
    t0 = datetime.datetime(2026, 11, 23, 10, 0, 0)
    with open(path, "w") as f:
        for i in range(count):
            t = t0 + datetime.timedelta(seconds=i // 20)
            ts = f"{NORM_MONTHS[t.month - 1]} {t.day:2d} {t:%H:%M:%S}"
            host = f"host{rnd.randint(1, 4)}"
            pid = rnd.randint(1000, 65000)
            user = rnd.choice(NORM_USERS)
            ip = f"10.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}"
            port = rnd.randint(1024, 65535)
            matched, msg = sshd_message(rnd, user, ip, port)
            f.write(f"<38>{ts} {host} sshd[{pid}]: {msg}\n")
            meta.append((matched, user))
    return meta


def norm_rsyslog_conf(d, port, normalize):
    """imptcp (LF-framed lines, rfc3164 parser, hostname parsed) → [mmnormalize] → omfwd udp,
    template: the syslog header, then JSON with msg and the normalized fields ($!)."""
    conf = os.path.join(d, "rsyslog.conf")
    mm = f'  action(type="mmnormalize" rulebase="{RULEBASE}")\n' if normalize else ""
    with open(conf, "w") as f:
        f.write(f"""global(workDirectory="{d}")
module(load="imptcp")
{'module(load="mmnormalize")' if normalize else ''}
parser(name="psb.rfc3164" type="pmrfc3164" remove.msgFirstSpace="on")
template(name="psbjson" type="string"
         string="<%PRI%>%TIMESTAMP% %HOSTNAME% %syslogtag% {{\\"msg\\":\\"%msg:::json%\\",\\"fields\\":%$!%}}")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="{d}/tcpport" ruleset="fwd")
ruleset(name="fwd" parser="psb.rfc3164") {{
{mm}  action(type="omfwd" target="127.0.0.1" port="{port}" protocol="udp" template="psbjson")
}}
""")
    return conf


def norm_send(kind, lines, port, timeout=120):
    """Run one sender over the file `lines` to 127.0.0.1:port. Returns (rc, cpu seconds, info)."""
    if kind.startswith("procship"):
        rb = ["--rulebase", RULEBASE] if kind == "procship+rulebase" else ["--text-format", "json"]
        with open(lines) as f:
            ps = Procship("--process-events=false", "--input-stdin", *rb, "--udp-output-enabled",
                          "--udp-output-address", f"127.0.0.1:{port}", stdin=f, wait_ready=False)
            rc, ru = wait_child(ps.p, timeout)
        text = [l.split("info: ", 1)[-1] for l in ps.stderr().splitlines() if "text:" in l]
        if rc != 0:
            fail(f"normalize {kind} exited {rc}: {ps.stderr()[-300:]}")
        return rc, ru_cpu(ru), {"text": text[-1] if text else ""}
    return None


class NormRsyslog:
    """rsyslogd -n with the normalize config; lines are fed over one TCP connection."""

    def __init__(self, port, normalize):
        self.d = tempfile.mkdtemp(prefix="rsyslog-norm.", dir=env.TMP)
        self.err = os.path.join(self.d, "err")
        self.p = subprocess.Popen(["rsyslogd", "-n", "-f", norm_rsyslog_conf(self.d, port, normalize),
                                   "-i", os.path.join(self.d, "pid")], stdout=subprocess.DEVNULL,
                                  stderr=open(self.err, "w"))
        pf = os.path.join(self.d, "tcpport")
        deadline = time.monotonic() + 20
        self.tcp = None
        while time.monotonic() < deadline and self.p.poll() is None:
            try:
                self.tcp = int(open(pf).read().strip())
                break
            except (OSError, ValueError):
                time.sleep(0.005)
        if self.tcp is None:
            fail(f"rsyslog (normalize) did not listen: {open(self.err).read()[-300:]}")

    def feed(self, lines):
        with socket.create_connection(("127.0.0.1", self.tcp), timeout=60) as c, \
                open(lines, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                c.sendall(b)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        rc, ru = wait_child(self.p, 20)
        return rc, ru_cpu(ru)


def norm_run(kind, lines, n):
    """One timed run: sender CPU (user+sys) and datagrams of the lines the sink got."""
    sink = Sink("--match", " sshd[", "--count", str(n), "--idle-ms", "1500", max_seconds=240)
    info = {}
    if kind.startswith("procship"):
        rc, cpu, info = norm_send(kind, lines, sink.port)
        res = sink.finish(timeout=30)
    else:
        rs = NormRsyslog(sink.port, kind == "rsyslog+mmnormalize")
        if rs.tcp is not None:
            rs.feed(lines)
        res = sink.finish(timeout=120)
        rc, cpu = rs.stop()
        if int(res.get("matched", 0)) == 0:
            fail(f"normalize {kind}: forwarded nothing: {open(rs.err).read()[-300:]}")
    return {"received": int(res.get("matched", 0)), "cpu": cpu, "rc": rc, **info}


def norm_fixed(kind):
    """CPU with empty input: start-up (rulebase load included) and shutdown."""
    empty = os.path.join(env.TMP, "norm-empty.txt")
    open(empty, "w").close()
    if kind.startswith("procship"):
        return norm_send(kind, empty, 9, timeout=60)[1]
    rs = NormRsyslog(9, kind == "rsyslog+mmnormalize")
    time.sleep(0.3)
    return rs.stop()[1]


def capture(kind, lines, want):
    """Every sshd datagram KIND sends for the file `lines` (at most want + 1)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    s.bind(("127.0.0.1", 0))
    s.settimeout(1.5)
    port = s.getsockname()[1]
    rs = None
    if kind.startswith("procship"):
        norm_send(kind, lines, port)
    else:
        rs = NormRsyslog(port, kind == "rsyslog+mmnormalize")
        if rs.tcp is not None:
            rs.feed(lines)
    got = []
    try:
        while len(got) < want + 1:
            d = s.recv(65536).decode(errors="replace")
            if " sshd[" in d:
                got.append(d)
    except socket.timeout:
        pass
    if rs:
        rs.stop()
    s.close()
    return got


def field_counts(kind, got):
    """(with user alice in the fields, marked unparsed, with fields) among the datagrams."""
    if kind == "procship+rulebase":
        alice = sum(1 for d in got if re.search(r'"fields":\{[^}]*"user":"alice"', d))
        unparsed = sum(1 for d in got if '"unparsed":true' in d)
        withf = sum(1 for d in got if '"fields":{' in d)
    elif kind == "rsyslog+mmnormalize":
        alice = sum(1 for d in got if re.search(r'"fields":\{[^}]*"user": "alice"', d))
        unparsed = sum(1 for d in got if '"unparsed-data"' in d)
        withf = sum(1 for d in got if '"event.tags"' in d)
    else:
        alice = unparsed = 0
        withf = sum(1 for d in got if '"user"' in d)
    return alice, unparsed, withf


def norm_spot_check(lines, meta):
    """Capture every datagram of a sample and check the fields each sender produced."""
    exp_alice = sum(1 for m, u in meta if m and u == "alice")
    exp_unparsed = sum(1 for m, _ in meta if not m)
    out = {}
    for kind in NORM_KINDS:
        got = capture(kind, lines, len(meta))
        alice, unparsed, withf = field_counts(kind, got)
        want_alice = exp_alice if "+" in kind else 0
        want_unp = exp_unparsed if "+" in kind else 0
        want_f = len(meta) - exp_unparsed if "+" in kind else 0
        ok = len(got) == len(meta) and alice == want_alice and unparsed == want_unp and \
            withf == want_f
        out[kind] = (ok, f"{len(got)}/{len(meta)} datagrams, {withf} with fields (want {want_f}), "
                         f"{alice} with user alice in fields (want {want_alice}), {unparsed} "
                         f"unparsed (want {want_unp})")
        if not ok:
            fail(f"normalize spot check {kind}: {out[kind][1]}")
        log(f"normalize spot check {kind}: {'ok' if ok else 'FAILED'}: {out[kind][1]}")
        if kind == "procship+rulebase":
            ex = next((d for d in got if '"user":"alice"' in d), "")
            out["_example"] = ex
    return out


def have_rsyslog():
    return bool(shutil.which("rsyslogd")) and \
        any(os.path.exists(os.path.join(d, "rsyslog", "mmnormalize.so")) for d in
            ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"])


def run_reps(kinds, reps, lines, n):
    """Interleaved (ABBA) runs of every sender, each rep starting with their empty-input runs."""
    results = {k: [] for k in kinds}
    fixed = {k: [] for k in kinds}
    for rep in range(reps):
        order = kinds if rep % 2 == 0 else list(reversed(kinds))
        for k in order:
            fixed[k].append(norm_fixed(k))
        for k in order:
            r = norm_run(k, lines, n)
            results[k].append(r)
            log(f"normalize {k} rep {rep}: received {r['received']}/{n} cpu {r['cpu']:.3f}s -> "
                f"{r['cpu'] / n * 1e6:.2f} µs/msg")
            if r["received"] != n:
                fail(f"normalize {k} rep {rep}: receiver got {r['received']} of {n}")
    return results, fixed


def normalization_cost(per, net):
    """With − without, per rep (pairs run in the same rep) and of medians."""
    cost = {}
    for tool, a, b in [("procship", "procship+rulebase", "procship"),
                       ("rsyslog", "rsyslog+mmnormalize", "rsyslog")]:
        if a in per and b in per and per[a] and per[b]:
            pairs = [x - y for x, y in zip(per[a], per[b])]
            cost[tool] = {"gross": med(per[a]) - med(per[b]), "net": med(net[a]) - med(net[b]),
                          "pairs": pairs, "with": med(per[a]), "without": med(per[b]),
                          "with_net": med(net[a]), "without_net": med(net[b])}
    return cost


def add_rows(kinds, results, fixed, n, spot):
    fmed = {k: med(v) for k, v in fixed.items()}
    per = {k: [r["cpu"] / n * 1e6 for r in results[k]] for k in kinds}
    net = {k: [(r["cpu"] - fmed[k]) / n * 1e6 for r in results[k]] for k in kinds}
    for k in kinds:
        recv = [r["received"] for r in results[k]]
        row("normalize", kind=k, cmd=CMDS[k], n=n, runs=len(per[k]), med=med(per[k]),
            spread=spread(per[k], "{:.2f}"), net=med(net[k]), fixed=fmed[k] * 1000,
            received=f"{min(recv)}–{max(recv)}" if recv else "-",
            spot=spot.get(k, (False, "not run"))[1])
    ROWS["_norm_cost"] = normalization_cost(per, net)


def normalize_case(reps, quick):
    n = 2000 if quick else 100000
    if not os.path.exists(RULEBASE):
        fail(f"normalize: no {RULEBASE}")
        return
    help_text = procship_help()
    if "--rulebase" not in help_text or "--input-stdin" not in help_text:
        row("normalize", kind="procship", status="procship has no --rulebase/--input-stdin")
        return
    kinds = NORM_KINDS if have_rsyslog() else NORM_KINDS[:2]
    lines = os.path.join(env.TMP, "sshd-lines.txt")
    meta = make_sshd_lines(lines, n)
    n_matched = sum(1 for m, _ in meta if m)
    sample = os.path.join(env.TMP, "sshd-sample.txt")
    smeta = make_sshd_lines(sample, min(n, 2000), seed=11)
    load0 = env.loadavg()
    spot = norm_spot_check(sample, smeta)
    results, fixed = run_reps(kinds, reps, lines, n)
    add_rows(kinds, results, fixed, n, spot)
    ROWS["_norm_meta"] = {"n": n, "matched": n_matched, "reps": reps, "load": load0,
                          "load_end": env.loadavg(),
                          "example": spot.get("_example", ""),
                          "sample": len(smeta),
                          "text": [r.get("text", "") for r in results.get("procship+rulebase", [])]}
    if "rsyslog" not in kinds:
        note("normalize", "rsyslog rows: rsyslogd or mmnormalize.so not installed.")
    tx = ROWS["_norm_meta"]["text"]
    if tx and f"{n_matched} normalized" not in tx[0]:
        fail(f"normalize: procship normalized count differs from the {n_matched} lines a rule "
             f"should match: {tx[0]}")
