# SPDX-License-Identifier: Apache-2.0
"""syslog-ng as a peer: Debian's syslog-ng-core unpacked privately (it conflicts with rsyslog,
so it is never installed; tests/integration/helpers/fetch-syslog-ng unpacks it once into
/var/cache/procship-tests), started with a private config, pid, persist and control file."""
import os
import subprocess
import tempfile
import time

from lib import env
from lib.env import fail

FETCH = os.path.join(env.ROOT, "tests", "integration", "helpers", "fetch-syslog-ng")
_root = {}


def root():
    """The unpacked tree (…/root), or None with the reason logged once as a failure."""
    if "dir" not in _root:
        r = subprocess.run([FETCH], capture_output=True, text=True, timeout=300)
        d = r.stdout.strip()
        ok = r.returncode == 0 and os.access(os.path.join(d, "usr/sbin/syslog-ng"), os.X_OK)
        _root["dir"] = d if ok else None
        if not ok:
            _root["why"] = (r.stderr.strip() or "no binary")[-300:]
    return _root["dir"]


def why():
    return _root.get("why", "")


def start(name, body, ready_path=None):
    """syslog-ng -F on a private config whose sources and destinations are `body`; returns
    (Popen, dir) or (None, dir) once `ready_path` exists (a socket it creates) or after 0.5 s."""
    r = root()
    d = tempfile.mkdtemp(prefix=f"syslog-ng-{name}.", dir=env.TMP)
    if not r:
        return None, d
    conf = os.path.join(d, "syslog-ng.conf")
    with open(conf, "w") as f:
        f.write("@version: 3.38\noptions { log-msg-size(65536); stats-freq(0); };\n" + body)
    cmd = [os.path.join(r, "usr/sbin/syslog-ng"), "-F", "-f", conf,
           f"--module-path={r}/usr/lib/syslog-ng/3.38", "-p", os.path.join(d, "pid"),
           "-R", os.path.join(d, "persist"), "-c", os.path.join(d, "ctl")]
    envp = dict(os.environ, LD_LIBRARY_PATH=os.path.join(r, "usr/lib/syslog-ng"))
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(d, "err"), "w"), env=envp)
    deadline = time.monotonic() + (10 if ready_path else 0.5)
    while time.monotonic() < deadline and p.poll() is None:
        if ready_path and os.path.exists(ready_path):
            return p, d
        time.sleep(0.01)
    if p.poll() is not None or (ready_path and not os.path.exists(ready_path)):
        if p.poll() is None:
            p.kill()
            p.wait()
        fail(f"syslog-ng ({name}) did not start: {open(os.path.join(d, 'err')).read()[-300:]}")
        return None, d
    return p, d


def udp_destination(port):
    return (f'destination d_udp {{ network("127.0.0.1" port({port}) transport("udp")); }};\n')
