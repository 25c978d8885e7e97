# SPDX-License-Identifier: Apache-2.0
"""The benchmarks' UDP receiver: bench/udp_sink on 127.0.0.1, its report as a dict."""
import signal
import subprocess

from lib.env import fail, helper, kv


class Sink:
    """bench/udp_sink on 127.0.0.1, port chosen by the kernel."""

    def __init__(self, *args, max_seconds=60, poll_us=0, prefix=()):
        poll = ["--poll-us", str(poll_us)] if poll_us else []
        self.p = subprocess.Popen([*prefix, helper("udp_sink"), "--max-seconds", str(max_seconds),
                                   *poll, *args],
                                  stdout=subprocess.PIPE, text=True)
        first = self.p.stdout.readline()
        self.port = int(kv(first)["port"])
        self.result = None

    def finish(self, timeout=None, stop=False):
        if stop and self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            out, _ = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.send_signal(signal.SIGTERM)
            out, _ = self.p.communicate(timeout=10)
        self.result = kv(out.strip().splitlines()[-1] if out.strip() else "")
        if "received" not in self.result:
            fail("udp_sink gave no report")
        return self.result

    def release(self):
        """--hold: the datagrams waiting in the socket are read and counted now."""
        self.p.send_signal(signal.SIGUSR1)
