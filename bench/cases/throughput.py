# SPDX-License-Identifier: Apache-2.0
"""Case 3, output throughput: datagrams the receiver got per sender CPU-second, for the same
lines sent by a sendmmsg ceiling, the same ceiling reading the lines from the file
(sendmmsg+read), rsyslog, syslog-ng, logger and procship (and, with --baseline, the baseline
procship back to back with the current one)."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from lib import env, syslogng
from lib.env import fail, helper, kv, log
from lib.proc import Procship, pin, procship_help, ru_cpu, wait_child
from lib.receivers import Sink
from lib.results import ROWS, note, row
from lib.stats import med, spread

SIZES = [200, 1500, 9000]
PROCSHIP_TARGET = "≥ 0.85× sendmmsg at 9 KB, 0.88× below; ≥ 3× rsyslog"
IDLE_MS = 1500


def make_lines(path, size, count):
    """count JSON lines of exactly `size` bytes (newline excluded), distinct seq numbers."""
    head = '{"process_exec":{"process":{"exec_id":"YmVuY2g6MTIzNDU2Nzg5MDox","pid":%d,' \
           '"uid":0,"binary":"/usr/bin/bench","arguments":"'
    tail = '"}},"node_name":"bench","time":"2026-01-01T00:00:00.000000000Z"}'
    with open(path, "w") as f:
        for i in range(count):
            h = head % i
            f.write(h + "x" * (size - len(h) - len(tail)) + tail + "\n")


def rsyslog_conf(d, lines, port):
    conf = os.path.join(d, "rsyslog.conf")
    with open(conf, "w") as f:
        f.write(f"""global(workDirectory="{d}" maxMessageSize="64k")
module(load="imfile" mode="inotify")
input(type="imfile" file="{lines}" tag="bench" freshStartTail="off" ruleset="fwd")
ruleset(name="fwd") {{
  action(type="omfwd" target="127.0.0.1" port="{port}" protocol="udp"
         template="RSYSLOG_TraditionalForwardFormat")
}}
""")
    return conf


def binary(kind):
    return env.BASELINE if kind == "procship-baseline" else None


def send_flood(size, n_flood, lines=None):
    """The ceiling: sendmmsg of ready-made datagrams, or (lines) of the file's lines as read."""
    sink = Sink("--count", str(n_flood), "--idle-ms", str(IDLE_MS), max_seconds=120,
                poll_us=env.SINK_POLL_US, prefix=pin(1))
    src = ["--file", lines] if lines else ["--size", str(size), "--count", str(n_flood)]
    r = subprocess.run([helper("sendmmsg_flood"), "--port", str(sink.port), *src,
                        "--max-seconds", "60"], capture_output=True, text=True, timeout=120)
    res = sink.finish(timeout=10, stop=True)
    o = kv(r.stdout)
    if r.returncode or "cpu_ns" not in o:
        fail(f"sendmmsg_flood: {r.stdout} {r.stderr}")
        return None
    return {"received": int(res["received"]), "cpu": int(o["cpu_ns"]) / 1e9,
            "sent": int(o["sent"])}


def send_rsyslog(sink, lines):
    d = tempfile.mkdtemp(prefix="rsyslog.", dir=env.TMP)
    conf = rsyslog_conf(d, lines, sink.port)
    p = subprocess.Popen(["rsyslogd", "-n", "-f", conf, "-i", os.path.join(d, "pid")],
                         stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(d, "err"), "w"))
    res = sink.finish(timeout=120)
    p.send_signal(signal.SIGTERM)
    rc, ru = wait_child(p, 20)
    if int(res.get("matched", 0)) == 0:
        fail(f"rsyslog forwarded nothing: {open(os.path.join(d, 'err')).read()[-300:]}")
    return {"received": int(res.get("matched", 0)), "cpu": ru_cpu(ru), "sent": None}


def syslogng_body(lines, port):
    return (f'source s_file {{ file("{lines}" flags(no-parse) follow-freq(1)); }};\n'
            + syslogng.udp_destination(port) + "log { source(s_file); destination(d_udp); };\n")


def send_syslogng(sink, lines):
    p, d = syslogng.start("throughput", syslogng_body(lines, sink.port))
    if not p:
        sink.finish(timeout=1, stop=True)
        return None
    res = sink.finish(timeout=120)
    p.terminate()
    rc, ru = wait_child(p, 20)
    if int(res.get("matched", 0)) == 0:
        fail(f"syslog-ng forwarded nothing: {open(os.path.join(d, 'err')).read()[-300:]}")
    return {"received": int(res.get("matched", 0)), "cpu": ru_cpu(ru), "sent": None}


def send_logger(sink, lines):
    p = subprocess.Popen(["logger", "-d", "-n", "127.0.0.1", "-P", str(sink.port),
                          "--rfc3164", "-t", "bench", "--size", "65000", "-f", lines],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    rc, ru = wait_child(p, 120)
    res = sink.finish(timeout=10)
    if rc != 0:
        fail(f"logger exited {rc}")
    return {"received": int(res.get("matched", 0)), "cpu": ru_cpu(ru), "sent": None}


def send_procship(sink, lines, bin_):
    with open(lines) as f:
        ps = Procship("--process-events=false", "--input-stdin", "--udp-output-enabled",
                      "--udp-output-address", f"127.0.0.1:{sink.port}", "--syslog-format",
                      "rfc3164", "--max-message-size", "65507", stdin=f, wait_ready=False,
                      binary=bin_)
        rc, ru = wait_child(ps.p, 120)
    res = sink.finish(timeout=10)
    if rc != 0:
        fail(f"procship --input-stdin exited {rc}: {ps.stderr()[-300:]}")
    return {"received": int(res.get("matched", 0)), "cpu": ru_cpu(ru), "sent": None}


def sender(kind, size, n_lines, lines, n_flood, has_stdin):
    """One throughput measurement. Returns dict(received, cpu, sent) or {'na': reason}."""
    if kind == "sendmmsg":
        return send_flood(size, n_flood)
    if kind == "sendmmsg+read":
        return send_flood(size, n_lines, lines)
    # Count only the lines themselves (procship's agent_init and anything else is not counted).
    sink = Sink("--match", '"node_name":"bench"', "--count", str(n_lines), "--idle-ms",
                str(IDLE_MS), max_seconds=180, poll_us=env.SINK_POLL_US, prefix=pin(1))
    if kind == "rsyslog":
        return send_rsyslog(sink, lines)
    if kind == "syslog-ng":
        return send_syslogng(sink, lines)
    if kind == "logger":
        return send_logger(sink, lines)
    if kind in ("procship", "procship-baseline"):
        if not has_stdin:
            sink.finish(timeout=1, stop=True)
            return {"na": "not available yet: procship has no --input-stdin option "
                          "(checked `procship --help`)"}
        return send_procship(sink, lines, binary(kind))
    raise ValueError(kind)


def fixed_cpu(kind, has_stdin):
    """CPU a sender spends with nothing to send (start-up + shutdown), same pass."""
    empty = os.path.join(env.TMP, "empty.txt")
    open(empty, "w").close()
    if kind == "sendmmsg":
        r = subprocess.run([helper("sendmmsg_flood"), "--port", "9", "--count", "0"],
                           capture_output=True, text=True, timeout=30)
        return int(kv(r.stdout).get("cpu_ns", 0)) / 1e9
    if kind == "sendmmsg+read":
        r = subprocess.run([helper("sendmmsg_flood"), "--port", "9", "--file", empty],
                           capture_output=True, text=True, timeout=30)
        return int(kv(r.stdout).get("cpu_ns", 0)) / 1e9
    if kind == "syslog-ng":
        p, _ = syslogng.start("empty", syslogng_body(empty, 9))
        if not p:
            return None
        time.sleep(0.5)
        p.terminate()
        return ru_cpu(wait_child(p, 20)[1])
    if kind == "logger":
        p = subprocess.Popen(["logger", "-d", "-n", "127.0.0.1", "-P", "9", "-f", empty],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return ru_cpu(wait_child(p, 30)[1])
    if kind == "rsyslog":
        d = tempfile.mkdtemp(prefix="rsyslog.", dir=env.TMP)
        p = subprocess.Popen(["rsyslogd", "-n", "-f", rsyslog_conf(d, empty, 9), "-i",
                              os.path.join(d, "pid")], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        p.send_signal(signal.SIGTERM)
        return ru_cpu(wait_child(p, 20)[1])
    if kind in ("procship", "procship-baseline") and has_stdin:
        with open(empty) as f:
            ps = Procship("--process-events=false", "--input-stdin", "--udp-output-enabled",
                          "--udp-output-address", "127.0.0.1:9", stdin=f, wait_ready=False,
                          binary=binary(kind))
            return ru_cpu(wait_child(ps.p, 60)[1])
    return None


class Pass:
    """The plan of one throughput pass and what it measured."""

    def __init__(self, quick):
        self.n_lines = {200: 100000, 1500: 40000, 9000: 10000}
        self.n_flood = 200000
        if quick:
            self.n_lines = {200: 2000, 1500: 1000, 9000: 500}
            self.n_flood = 5000
        self.kinds = ["sendmmsg", "sendmmsg+read", "rsyslog", "syslog-ng", "logger", "procship"]
        self.has_stdin = {"procship": "--input-stdin" in procship_help()}
        self.have = {"rsyslog": shutil.which("rsyslogd"), "logger": shutil.which("logger"),
                     "sendmmsg": True, "sendmmsg+read": True, "procship": True,
                     "syslog-ng": syslogng.root()}
        if env.BASELINE:
            self.kinds.insert(3, "procship-baseline")
            self.has_stdin["procship-baseline"] = "--input-stdin" in procship_help(env.BASELINE)
            self.have["procship-baseline"] = True
        self.results = {(k, s): [] for k in self.kinds for s in SIZES}
        self.fixed = {k: [] for k in self.kinds}
        self.na = {}
        self.files = {}

    def stdin(self, kind):
        return self.has_stdin.get(kind, self.has_stdin["procship"])


def run_rep(ps, rep):
    for k in ps.kinds:
        if ps.have[k]:
            c = fixed_cpu(k, ps.stdin(k))
            if c is not None:
                ps.fixed[k].append(c)
    for s in SIZES:
        order = ps.kinds if rep % 2 == 0 else list(reversed(ps.kinds))
        for k in order:
            if not ps.have[k]:
                ps.na[(k, s)] = f"{k} not installed" + (
                    f" ({syslogng.why()})" if k == "syslog-ng" else "")
                continue
            r = sender(k, s, ps.n_lines[s], ps.files[s], ps.n_flood, ps.stdin(k))
            if r is None:
                continue
            if "na" in r:
                ps.na[(k, s)] = r["na"]
                continue
            rate = r["received"] / r["cpu"] if r["cpu"] > 0 else float("nan")
            r["rep"] = rep
            ps.results[(k, s)].append((rate, r))
            log(f"throughput {k} {s}B rep {rep}: received {r['received']} "
                f"cpu {r['cpu']:.3f}s -> {rate:,.0f}/cpu-s")
            if r["received"] == 0:
                fail(f"throughput {k} {s}: receiver got nothing")


def add_notes(ps, fixed_med):
    note("throughput", "procship gets `--max-message-size 65507`: its default (8192) is below the "
         "9 KB row. rsyslog gets `maxMessageSize=64k`, logger `--size 65000`.")
    note("throughput", "rsyslog's CPU includes its own start-up and shutdown (it runs only for "
         "the batch); logger and procship likewise. Each run sends the whole file once.")
    if not ps.has_stdin["procship"]:
        note("throughput", "procship rows: `--input-stdin` is not in `procship --help` yet, so "
             "there is no figure; the rows fill in once the option exists (bench/run detects it).")
    note("throughput", "Start-up CPU (same pass, empty input, median): " + ", ".join(
        f"{k} {fixed_med[k] * 1000:.1f} ms" for k in ps.kinds if ps.fixed[k]) + ". The *net* "
        "columns subtract it from each run's CPU: a fixed cost that the batch size, not the "
        "sender, decides. procship runs with --process-events=false: the path measured is text "
        "in, datagrams out, without loading BPF.")


def command(kind, s, ps):
    if kind == "sendmmsg":
        return f"bench/sendmmsg_flood --size {s} --count {ps.n_flood} (batches of 64)"
    if kind == "sendmmsg+read":
        return (f"bench/sendmmsg_flood --file FILE (read() 256 KiB at a time, one datagram per "
                f"line, batches of 64); {ps.n_lines[s]} lines")
    if kind == "rsyslog":
        return (f"rsyslogd -n: imfile (inotify) → omfwd udp, "
                f"RSYSLOG_TraditionalForwardFormat; {ps.n_lines[s]} lines")
    if kind == "syslog-ng":
        return (f"syslog-ng -F (Debian's 3.38, unpacked privately): file(flags(no-parse)) → "
                f"network(udp); {ps.n_lines[s]} lines")
    if kind == "logger":
        return f"logger -d -n 127.0.0.1 --rfc3164 --size 65000 -f FILE; {ps.n_lines[s]} lines"
    name = env.BASELINE if kind == "procship-baseline" else "procship"
    return (f"{name} --process-events=false --input-stdin --syslog-format rfc3164 "
            f"--max-message-size 65507 < FILE; {ps.n_lines[s]} lines")


def size_rows(ps, s, net):
    base = med([x[0] for x in ps.results[("sendmmsg", s)]])
    rs = med([x[0] for x in ps.results[("rsyslog", s)]])
    nbase = med([net(x, "sendmmsg") for x in ps.results[("sendmmsg", s)]])
    nrs = med([net(x, "rsyslog") for x in ps.results[("rsyslog", s)]])
    for k in ps.kinds:
        cmd = command(k, s, ps)
        if (k, s) in ps.na and not ps.results[(k, s)]:
            row("throughput", size=s, sender=k, cmd=cmd, status=ps.na[(k, s)])
            continue
        rates = [x[0] for x in ps.results[(k, s)]]
        if not rates:
            row("throughput", size=s, sender=k, cmd=cmd, status="did not run")
            continue
        recv = [x[1]["received"] for x in ps.results[(k, s)]]
        m = med(rates)
        nm = med([net(x, k) for x in ps.results[(k, s)]])
        target, met = "", ""
        if k == "procship":
            target = PROCSHIP_TARGET
            want = 0.85 if s >= 9000 else 0.88
            met = ("gross " + ("yes" if m / base >= want and m / rs >= 3 else "no") +
                   ", net " + ("yes" if nm / nbase >= want and nm / nrs >= 3 else "no"))
        row("throughput", size=s, sender=k, cmd=cmd, runs=len(rates), med=m,
            spread=spread(rates, "{:,.0f}"), vs_sendmmsg=m / base, vs_rsyslog=m / rs,
            net=nm, net_vs_sendmmsg=nm / nbase, net_vs_rsyslog=nm / nrs,
            received=f"{min(recv)}–{max(recv)}", target=target, met=met)


def vs_baseline(ps, net):
    """Per size, the current binary's rate over the baseline's in the same rep."""
    out = {}
    for s in SIZES:
        cur = {x[1]["rep"]: x for x in ps.results[("procship", s)]}
        base = {x[1]["rep"]: x for x in ps.results[("procship-baseline", s)]}
        reps = sorted(set(cur) & set(base))
        out[s] = {"base": med([base[r][0] for r in reps]), "cur": med([cur[r][0] for r in reps]),
                  "gross": [cur[r][0] / base[r][0] for r in reps if base[r][0] > 0],
                  "net": [net(cur[r], "procship") / net(base[r], "procship-baseline")
                          for r in reps if net(base[r], "procship-baseline") > 0]}
    ROWS["_throughput_baseline"] = out


def throughput_case(reps, quick):
    ps = Pass(quick)
    for s in SIZES:
        ps.files[s] = os.path.join(env.TMP, f"lines-{s}.txt")
        make_lines(ps.files[s], s, ps.n_lines[s])
    for rep in range(reps):
        run_rep(ps, rep)
    fixed_med = {k: med(v) if v else 0.0 for k, v in ps.fixed.items()}
    add_notes(ps, fixed_med)

    def net(x, k):
        c = x[1]["cpu"] - fixed_med[k]
        return x[1]["received"] / c if c > 0 else float("nan")

    for s in SIZES:
        size_rows(ps, s, net)
    if env.BASELINE:
        vs_baseline(ps, net)
