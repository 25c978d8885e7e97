#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write the same local syslog messages to several unix sockets from one process.

  relay_send.py journald PID MARKER SOCK...   what journald forwards to a syslog daemon: RFC 3164
                                              without hostname, sent with SCM_CREDENTIALS naming
                                              PID (root may name another process, as journald)
  relay_send.py syslog3 MARKER LINK SOCK...   glibc syslog(3) itself, to /dev/log: LINK is a
                                              symbolic link /dev/log (in a private mount
                                              namespace) pointed at each SOCK in turn
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


def main():
    mode = sys.argv[1]
    if mode == "journald":
        journald(int(sys.argv[2]), sys.argv[3], sys.argv[4:])
    elif mode == "syslog3":
        syslog3(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit("unknown mode " + mode)
    print(os.getpid())


if __name__ == "__main__":
    main()
