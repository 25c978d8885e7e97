#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write the same local syslog messages to several unix sockets from one process.

  relay_send.py journald PID MARKER SOCK...   what journald forwards to a syslog daemon: RFC 3164
                                              without hostname, sent with SCM_CREDENTIALS naming
                                              PID (root may name another process, as journald)
  relay_send.py syslog3 MARKER LINK SOCK...   glibc syslog(3) itself, to /dev/log: LINK is a
                                              symbolic link /dev/log (in a private mount
                                              namespace) pointed at each SOCK in turn
  relay_send.py tagless MARKER SOCK...        RFC 3164 without "TAG:" and odd TAGs (TAGLESS),
                                              each with and without a timestamp, in order,
                                              then "<13>MARKER: end" (wait for that line)
Prints this process's pid.
"""
import os
import socket
import struct
import sys
import syslog
import time


def journald(pid, marker, socks):
    stamp = time.strftime("%b %e %H:%M:%S", time.localtime())
    msgs = [
        "<86>%s cron[%d]: pam_unix(cron:session): session opened for user root %s" % (stamp, pid, marker),
        "<38>%s sshd[%d]: Failed password for invalid user jd%s from 10.7.7.7 port 7777 ssh2" % (stamp, pid, marker),
    ]
    creds = struct.pack("3i", pid, 0, 0)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    for path in socks:
        for m in msgs:
            s.sendmsg([m.encode()], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, creds)], 0, path)


def syslog3(marker, link, socks):
    for path in socks:
        tmp = link + ".new"
        os.symlink(path, tmp)
        os.replace(tmp, link)
        syslog.openlog("sshd", syslog.LOG_PID, syslog.LOG_AUTH)
        syslog.syslog(syslog.LOG_INFO, "Failed password for root from 10.3.3.3 port 3333 ssh2 %s" % marker)
        syslog.openlog("myapp", syslog.LOG_PID, syslog.LOG_LOCAL4)
        syslog.syslog(syslog.LOG_WARNING, "glibc says %s" % marker)
        syslog.closelog()


# The first words rsyslog's imuxsock reads as a TAG, and TAGs with ':' in odd places. Rows
# without MSG or with only spaces carry no marker: the scenario compares whole files in order.
TAGLESS = [
    b"hello world", b"hello[12] world", b"hello[12]: world", b"hello: world", b"hello:world",
    b"A" * 40 + b" world", b"A" * 32 + b" w", b"[x] y", b"     ", b"  lead spaces",
    b"dir/prog x", b"dir/prog: x", "h\u00e9llo w\u00f6rld".encode(), b"\xff\xfebad x",
    b"hello", b"hello:", b"hello[12]", b"", b"hello  two spaces", b"hello[12 world",
    b"hel[lo]x y", b"hello]x y", b"myhost hello: x", b"hello:world x", b"hello[]: empty-procid",
]


def tagless(marker, socks):
    stamp = time.strftime("%b %e %H:%M:%S", time.localtime()).encode()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    for m in TAGLESS + [marker.encode() + b": end"]:
        for head in (b"<13>" + stamp + b" ", b"<13>"):
            for path in socks:
                s.sendto(head + m, path)


def main():
    mode = sys.argv[1]
    if mode == "journald":
        journald(int(sys.argv[2]), sys.argv[3], sys.argv[4:])
    elif mode == "tagless":
        tagless(sys.argv[2], sys.argv[3:])
    elif mode == "syslog3":
        syslog3(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit("unknown mode " + mode)
    print(os.getpid())


if __name__ == "__main__":
    main()
