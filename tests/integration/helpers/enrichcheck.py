#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Field names and types of --enable-process-cred and --enable-process-ns blocks, as written
from Tetragon v1.7.0's api/v1/tetragon/tetragon.proto and capabilities.proto (protojson with
proto names): every process object of an event must hold only these, each of its type.

  enrichcheck.py JSON [cred] [ns] [props]   exit 1, naming the field, unless the event's
                                            process and parent carry the blocks named (cred:
                                            cap and process_credentials; ns: ns) and nothing
                                            the others name; props: the process carries
                                            binary_properties and refcnt 1 (never the parent)
"""
import json
import re
import sys

CAPS = ("CAP_CHOWN DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL CAP_SETGID "
        "CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE CAP_NET_BROADCAST "
        "CAP_NET_ADMIN CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE CAP_SYS_RAWIO "
        "CAP_SYS_CHROOT CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_NICE "
        "CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE CAP_AUDIT_WRITE "
        "CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG CAP_WAKE_ALARM "
        "CAP_BLOCK_SUSPEND CAP_AUDIT_READ CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE").split()
SECUREBITS = ("SecBitNoRoot SecBitNoRootLocked SecBitNoSetUidFixup SecBitNoSetUidFixupLocked "
              "SecBitKeepCaps SecBitKeepCapsLocked SecBitNoCapAmbientRaise "
              "SecBitNoCapAmbientRaiseLocked").split()
PRIVS = ("PRIVILEGES_RAISED_EXEC_FILE_CAP PRIVILEGES_RAISED_EXEC_FILE_SETUID "
         "PRIVILEGES_RAISED_EXEC_FILE_SETGID").split()
NS = ("uts ipc mnt pid pid_for_children net time time_for_children cgroup user").split()
IDS = "uid gid euid egid suid sgid fsuid fsgid".split()
U32 = 0xFFFFFFFF


def fail(where, why):
    sys.exit(f"enrichcheck: {where}: {why}")


def is_u32(v):
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= U32


def enum_list(where, v, names):
    if not isinstance(v, list) or not v:
        fail(where, f"not a non-empty list: {v!r}")
    for x in v:
        if x not in names:
            fail(where, f"{x!r} is not one of the proto's names")
    if len(set(v)) != len(v):
        fail(where, "a name twice")


def check_cap(where, cap):
    if not isinstance(cap, dict):
        fail(where, "not an object")
    for k, v in cap.items():
        if k not in ("permitted", "effective", "inheritable"):
            fail(f"{where}.{k}", "not a Capabilities field")
        enum_list(f"{where}.{k}", v, CAPS)


def check_creds(where, c):
    if not isinstance(c, dict):
        fail(where, "not an object")
    for k in IDS:
        if not is_u32(c.get(k)):
            fail(f"{where}.{k}", f"missing or not a uint32: {c.get(k)!r}")
    for k, v in c.items():
        if k == "securebits":
            enum_list(f"{where}.securebits", v, SECUREBITS)
        elif k not in IDS:
            fail(f"{where}.{k}", "not a ProcessCredentials field procship writes")


def check_ns(where, ns):
    if not isinstance(ns, dict):
        fail(where, "not an object")
    for k in NS:
        if k not in ns and not k.startswith("time"):
            fail(f"{where}.{k}", "missing")
    for k, v in ns.items():
        if k not in NS:
            fail(f"{where}.{k}", "not a Namespaces field")
        if not isinstance(v, dict) or set(v) - {"inum", "is_host"}:
            fail(f"{where}.{k}", f"not a Namespace {{inum, is_host}}: {v!r}")
        if "inum" in v and not (is_u32(v["inum"]) and v["inum"] > 0):
            fail(f"{where}.{k}.inum", f"not a non-zero uint32: {v['inum']!r}")
        if "is_host" in v and v["is_host"] is not True:
            fail(f"{where}.{k}.is_host", "protojson writes only true")


def check_props(where, bp):
    if not isinstance(bp, dict) or not bp:
        fail(where, "not a non-empty object")
    for k, v in bp.items():
        if k in ("setuid", "setgid"):
            if not is_u32(v):
                fail(f"{where}.{k}", f"not a uint32: {v!r}")
        elif k == "privileges_changed":
            enum_list(f"{where}.{k}", v, PRIVS)
        elif k == "file":
            ino = v.get("inode") if isinstance(v, dict) else None
            if set(v) != {"inode"} or not isinstance(ino, dict) or set(ino) != {"number", "links"}:
                fail(f"{where}.file", f"not {{inode: {{number, links}}}}: {v!r}")
            if not (isinstance(ino["number"], str) and re.fullmatch(r"[1-9]\d*", ino["number"])):
                fail(f"{where}.file.inode.number", "not a uint64 as protojson writes it (a string)")
            if not is_u32(ino["links"]):
                fail(f"{where}.file.inode.links", "not a uint32")
        else:
            fail(f"{where}.{k}", "not a BinaryProperties field")


def check_proc(where, p, want, props):
    for key, need in (("cap", "cred"), ("process_credentials", "cred"), ("ns", "ns")):
        if (key in p) != (need in want):
            fail(f"{where}.{key}", "present" if key in p else "missing")
    if "cap" in p:
        check_cap(f"{where}.cap", p["cap"])
        check_creds(f"{where}.process_credentials", p["process_credentials"])
        if p["process_credentials"]["euid"] != p["uid"]:
            fail(f"{where}.process_credentials.euid", "is not the process's uid")
    if "ns" in p:
        check_ns(f"{where}.ns", p["ns"])
    if ("binary_properties" in p) != props:
        fail(f"{where}.binary_properties", "present" if not props else "missing")
    if props:
        check_props(f"{where}.binary_properties", p["binary_properties"])
        # Tetragon's exec event carries GetProcessCopy's copy, with its refcount
        if p.get("refcnt") != 1:
            fail(f"{where}.refcnt", f"not 1 beside binary_properties: {p.get('refcnt')!r}")
    elif p.get("refcnt", 1) != 1:
        fail(f"{where}.refcnt", f"not 1: {p['refcnt']!r}")
    keys = list(p)
    order = ["refcnt", "cap", "ns", "tid", "process_credentials", "binary_properties", "user",
             "in_init_tree"]
    seen = [k for k in keys if k in order]
    if seen != sorted(seen, key=order.index):
        fail(where, f"fields out of the proto's order: {seen}")


def main():
    j = json.loads(sys.argv[1])
    want = set(sys.argv[2:])
    body = j.get("process_exec") or j.get("process_exit")
    if not body:
        fail("event", "neither process_exec nor process_exit")
    check_proc("process", body["process"], want, "props" in want)
    if "parent" in body:
        check_proc("parent", body["parent"], want, False)


if __name__ == "__main__":
    main()
