# SPDX-License-Identifier: Apache-2.0
"""The other tracers of the exec-overhead comparison (case 1): bpftrace, auditd, and auditd +
laurel (its plugin that writes audit records as JSON process events with parent info), each
set up for a pass with a private configuration, run around one exec loop, and (auditd) put
back as it was."""
import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time

from lib import env
from lib.env import helper
from lib.proc import proc_cpu, run_execloop
from lib.results import row

# One line per exec (pid, binary), written to a file: a started-per-run tracer, so every line
# naming bench/nop belongs to this run.
BPFTRACE_PROG = ('tracepoint:sched:sched_process_exec { printf("%d %s\\n", '
                 'pid, str(args->filename)); }')
AUDIT_CONF = ("log_file = {d}/audit.log\nlog_format = RAW\nflush = INCREMENTAL_ASYNC\n"
              "freq = 50\nnum_logs = 2\nmax_log_file = 1000\nmax_log_file_action = ROTATE\n"
              "space_left = 10\nadmin_space_left = 5\ndisk_full_action = SUSPEND\n"
              "disk_error_action = SUSPEND\nwrite_logs = yes\nlocal_events = yes\n")
AUDIT_RULE = ["always,exit", "-F", "arch=b64", "-S", "execve,execveat", "-k", "psbench"]
# laurel as Debian ships it (/etc/laurel/config.toml), its directory made private; auditd
# writes no log of its own then: laurel's JSON is the output, as a laurel site runs it.
LAUREL_PLUGIN = ("active = yes\ndirection = out\ntype = always\nformat = string\n"
                 "path = {laurel}\nargs = --config {d}/laurel.toml\n")
LAUREL_CONF = ('directory = "{d}/laurel"\nuser = "_laurel"\nstatusreport-period = 0\n'
               '[auditlog]\nfile = "audit.log"\nsize = 500000000\ngenerations = 2\n'
               '[transform]\nexecve-argv = [ "array" ]\n[translate]\nuniversal = false\n'
               'user-db = false\n[enrich]\npid = true\n'
               'execve-env = [ "LD_PRELOAD", "LD_LIBRARY_PATH" ]\ncontainer = true\n'
               'script = true\n')
LAUREL_HOW = "apt-get install -y auditd laurel, or make bench-deps"


def setup_laurel(state):
    """A private auditd whose plugin directory runs laurel on a private config."""
    if not shutil.which("auditd") or not shutil.which("laurel"):
        row("laurel", name="auditd + laurel", status=f"not installed ({LAUREL_HOW})")
        return False
    try:
        user = pwd.getpwnam("_laurel")
    except KeyError:
        row("laurel", name="auditd + laurel", status=f"no _laurel user ({LAUREL_HOW})")
        return False
    d = tempfile.mkdtemp(prefix="laurel.", dir=env.TMP)
    os.chmod(d, 0o755)
    os.makedirs(os.path.join(d, "plugins"))
    os.makedirs(os.path.join(d, "laurel"))
    os.chown(os.path.join(d, "laurel"), user.pw_uid, user.pw_gid)
    with open(os.path.join(d, "auditd.conf"), "w") as f:
        f.write(AUDIT_CONF.format(d=d).replace("write_logs = yes", "write_logs = no") +
                f"plugin_dir = {d}/plugins\nq_depth = 2000\n")
    with open(os.path.join(d, "plugins", "laurel.conf"), "w") as f:
        f.write(LAUREL_PLUGIN.format(laurel=shutil.which("laurel"), d=d))
    with open(os.path.join(d, "laurel.toml"), "w") as f:
        f.write(LAUREL_CONF.format(d=d))
    state["audit_dir"] = d
    return True


def setup(kind, state):
    """Ready KIND for a pass, its settings in state; False (a row says why) if not installed."""
    if kind == "bpftrace":
        if not shutil.which("bpftrace"):
            row(kind, name="bpftrace", status="not installed (apt-get install -y bpftrace)")
            return False
        if not os.path.exists("/sys/kernel/tracing/events"):
            subprocess.run(["mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing"],
                           capture_output=True)
        state["bpftrace_prog"] = BPFTRACE_PROG
        return True
    if kind == "laurel":
        if not setup_laurel(state):
            return False
        st = subprocess.run(["auditctl", "-s"], capture_output=True, text=True).stdout
        state["audit_enabled_before"] = (re.search(r"^enabled (\d)", st, re.M) or [0, "0"])[1]
        return True
    if not shutil.which("auditd") or not shutil.which("auditctl"):
        row(kind, name="auditd", status="not installed (apt-get install -y auditd)")
        return False
    d = tempfile.mkdtemp(prefix="audit.", dir=env.TMP)
    with open(os.path.join(d, "auditd.conf"), "w") as f:
        f.write(AUDIT_CONF.format(d=d))
    state["audit_dir"] = d
    st = subprocess.run(["auditctl", "-s"], capture_output=True, text=True).stdout
    state["audit_enabled_before"] = (re.search(r"^enabled (\d)", st, re.M) or [0, "0"])[1]
    return True


def restore(kind, state):
    """The audit rules deleted and auditing enabled or not as before the pass."""
    if kind in ("auditd", "laurel"):
        subprocess.run(["auditctl", "-D"], capture_output=True)
        subprocess.run(["auditctl", "-e", state.get("audit_enabled_before", "0")],
                       capture_output=True)


def command(kind, n, state):
    if kind == "bpftrace":
        return f"bpftrace -e '{state.get('bpftrace_prog', '')}' > file; execloop --count {n} nop"
    if kind == "laurel":
        return (f"auditd -n (private conf, no log of its own, plugin_dir with laurel, Debian's "
                f"laurel config in a private directory) + the same auditctl rule; "
                f"execloop --count {n} nop")
    return (f"auditd -n (private conf, RAW log) + auditctl -a always,exit -F arch=b64 "
            f"-S execve,execveat; execloop --count {n} nop")


def _stop(p, sig):
    p.send_signal(sig)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def _result(r, n, got):
    return r and {"wall": int(r["wall_ns"]) / 1e9, "cpu": float(r["cpu_ns"]) / 1e9,
                  "lost": n - got, "got": got}


def run_bpftrace(n, marker, state):
    """One execloop run under bpftrace. Returns dict(wall, cpu, lost, got), {"error"} or None."""
    out = os.path.join(env.TMP, "bpftrace.out")
    with open(out, "w") as f:
        p = subprocess.Popen(["bpftrace", "-e", state["bpftrace_prog"]], stdout=f,
                             stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while "Attaching" not in open(out).read() and time.monotonic() < deadline \
            and p.poll() is None:
        time.sleep(0.02)
    time.sleep(0.2)
    if p.poll() is not None or "Attaching" not in open(out).read():
        if p.poll() is None:
            p.kill()
            p.wait()
        return {"error": open(out).read()[-300:]}
    r = run_execloop(n, "--arg", marker)
    time.sleep(0.5)
    _stop(p, signal.SIGINT)
    got = sum(1 for l in open(out) if l.rstrip().endswith(" " + helper("nop")))
    return _result(r, n, got)


def _start_auditd(d):
    """auditd -n on the private config, once auditctl names it; (Popen, None) or
    (None, error)."""
    p = subprocess.Popen(["auditd", "-n", "-c", d], stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(d, "auditd.err"), "w"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and p.poll() is None:
        st = subprocess.run(["auditctl", "-s"], capture_output=True, text=True).stdout
        if re.search(rf"^pid {p.pid}$", st, re.M):
            break
        time.sleep(0.05)
    if p.poll() is not None:
        return None, open(os.path.join(d, "auditd.err")).read()[-300:]
    return p, None


def tree_cpu(pid):
    """On-CPU seconds of pid and its children (auditd and the laurel it starts)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += proc_cpu(p)[1]
            for c in glob.glob(f"/proc/{p}/task/*/children"):
                todo += [int(x) for x in open(c).read().split()]
        except OSError:
            pass
    return total


def count_laurel(d, marker):
    """laurel's JSON lines for an execve of nop with the marker (argv as an array; the
    loop's own execve names the marker too, among its options)."""
    want = f'"ARGV":["{helper("nop")}","{marker}"]'
    got = 0
    for f in glob.glob(os.path.join(d, "laurel", "audit.log*")):
        got += sum(1 for l in open(f, errors="replace") if want in l)
    return got


def run_auditd(n, marker, state, laurel=False):
    """One execloop run under auditd (with laurel). Returns dict(wall, cpu, lost, got,
    cpu_sched), {"error"} or None."""
    d = state["audit_dir"]
    logf = os.path.join(d, "audit.log")
    for f in [logf] + glob.glob(os.path.join(d, "laurel", "audit.log*")):
        if os.path.exists(f):
            os.unlink(f)
    p, err = _start_auditd(d)
    if p is None:
        return {"error": err}
    if laurel:
        time.sleep(0.3)  # auditd starts its plugins after it registers
        if not glob.glob(f"/proc/{p.pid}/task/*/children") or not any(
                open(c).read().split() for c in glob.glob(f"/proc/{p.pid}/task/*/children")):
            _stop(p, signal.SIGTERM)
            return {"error": "auditd started no laurel: " +
                    open(os.path.join(d, "auditd.err")).read()[-300:]}
    a = subprocess.run(["auditctl", "-a", *AUDIT_RULE], capture_output=True, text=True)
    if a.returncode != 0:
        p.terminate()
        p.wait()
        return {"error": a.stderr.strip()}
    cpu0 = tree_cpu(p.pid)
    r = run_execloop(n, "--arg", marker)
    subprocess.run(["auditctl", "-d", *AUDIT_RULE], capture_output=True)
    time.sleep(0.5)
    cpu1 = tree_cpu(p.pid)
    _stop(p, signal.SIGTERM)
    got = 0
    if laurel:
        got = count_laurel(d, marker)
    elif os.path.exists(logf):
        got = sum(1 for l in open(logf, errors="replace")
                  if l.startswith("type=EXECVE") and f'a1="{marker}"' in l)
    res = _result(r, n, got)
    if res:
        res["cpu_sched"] = cpu1 - cpu0
    return res
