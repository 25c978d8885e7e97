#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""JSON assertions for the integration tests (called through lib.sh, not by scenarios).

  jsoncheck.py select [--resume STATE] [--wait SECS] [--has TEXT] FILE EXPR [NAME=VALUE...]
                                                  print the first line of FILE whose JSON
                                                  makes EXPR true; exit 1 if there is none
  jsoncheck.py first FILE                         print the first complete line of FILE
  jsoncheck.py count FILE EXPR [NAME=VALUE...]    print how many lines make EXPR true
  jsoncheck.py exitof [--resume STATE] [--wait SECS] FILE PID EXPR [NAME=VALUE...]
                                                  print the process_exit of the process PID
                                                  whose process_exec made EXPR true (see below)
  jsoncheck.py assert JSON EXPR [NAME=VALUE...]   exit 1, explaining why, unless EXPR is true
  jsoncheck.py value JSON EXPR [NAME=VALUE...]    print EXPR's value (strings as they are)
  jsoncheck.py alljson FILE                       exit 1 naming the first line that is not JSON
  jsoncheck.py utf8 FILE                          exit 1 naming the first line that is not UTF-8

EXPR is a Python expression. It sees the parsed object as `j`, every NAME=VALUE argument as
a string variable NAME, P (the "process" object of a process_exec or process_exit event, else
None), and the helpers b64d (standard base64 -> str), re, json and get(j, "a.b.c") (None when a key
is missing). An expression that raises (a missing key, say) counts as false.
A line without its final newline is still being written and is ignored. Files are read a
line at a time: under an exec storm procship's output grows by gigabytes.

--resume STATE (for the waits, which call select and exitof until they succeed): STATE is a
file, empty at first, where a call that finds nothing records how far it read (and what
exitof has learnt), so that the next call reads only what was appended since. FILE must only
grow while it is used.
--wait SECS (select, exitof): look again every 0.2 s until a line is found, SECS x 5 looks
at most, each reading only what was appended since the last (as --resume does, in memory):
the waits of lib/assert.sh, one process for the whole wait instead of one per look.
--has TEXT (select): only lines that hold TEXT as it is written in FILE can match; the others
are not parsed. For a marker the matching line must carry.

exitof matches by exec_id, never by pid alone: under an exec storm PID soon belongs to
another process, whose exit may come first in FILE. The process is the one whose
process_exec of PID makes EXPR true; a later exec of PID (its next image) follows it, and its
exit is the process_exit carrying the last image's exec_id.
"""
import ast
import base64
import json
import os
import re
import sys
import time


def b64d(s):
    return base64.b64decode(s, validate=True).decode()


def get(obj, path):
    for key in path.split("."):
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj


def namespace(j, assigns):
    proc = get(j, "process_exec.process") or get(j, "process_exit.process")
    ns = {"j": j, "P": proc, "b64d": b64d, "re": re, "get": get, "json": json}
    for a in assigns:
        name, sep, value = a.partition("=")
        if not sep or not name.isidentifier():
            sys.exit("jsoncheck: bad variable %r (want NAME=VALUE)" % a)
        ns[name] = value
    return ns


def complete_lines(path, start=0, where=None, needle=None):
    """(offset after the line, line) for each complete, non-blank line of path from byte
    start on; where["offset"], if given, follows the end of the last complete line read.
    With needle (bytes), only the lines that hold it (a chunk without it is not split)."""
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        return
    with f:
        f.seek(start)
        pos, tail = start, b""
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                return
            buf = tail + chunk
            if needle is not None and needle not in buf:
                cut = buf.rfind(b"\n") + 1
                pos, tail = pos + cut, buf[cut:]
                if where is not None:
                    where["offset"] = pos
                continue
            parts = buf.split(b"\n")
            tail = parts.pop()
            for raw in parts:
                pos += len(raw) + 1
                if where is not None:
                    where["offset"] = pos
                if raw.strip() and (needle is None or needle in raw):
                    yield pos, raw


def text(raw):
    return raw.decode("utf-8", errors="replace")


def truth(expr, j, assigns):
    try:
        return bool(eval(expr, namespace(j, assigns))), None
    except Exception as e:  # a missing key is a false assertion, not a crash
        return False, "%s: %s" % (type(e).__name__, e)


def explain(expr, j, assigns):
    """For `a OP b`, show both sides: that is usually the whole story."""
    try:
        tree = ast.parse(expr, mode="eval").body
    except SyntaxError as e:
        return "  syntax error: %s" % e
    if not isinstance(tree, ast.Compare) or len(tree.ops) != 1:
        return ""
    out = []
    for label, node in (("left ", tree.left), ("right", tree.comparators[0])):
        code = compile(ast.Expression(node), "<expr>", "eval")
        try:
            out.append("  %s: %r" % (label, eval(code, namespace(j, assigns))))
        except Exception as e:
            out.append("  %s: %s: %s" % (label, type(e).__name__, e))
    return "\n".join(out)


def parse_lines(path, start=0, needle=None, where=None):
    """(offset after the line, line, parsed JSON) for each JSON line of path from byte start;
    with needle (bytes), only for the lines that hold it. where: as for complete_lines."""
    for pos, raw in complete_lines(path, start, where, needle):
        line = text(raw)
        try:
            yield pos, line, json.loads(line)
        except ValueError:
            continue


def load_state(path, file):
    """(what an earlier call recorded for file, file's identity now): the record is {} if
    there was none or file is no longer the file it read (replaced, as a rotated export file
    is, or cut shorter). The identity is taken before file is read, for save_state. path is
    a file name, or a dict (--wait keeps the record in memory)."""
    try:
        st = os.stat(file)
    except FileNotFoundError:
        return {}, None
    ident = [st.st_dev, st.st_ino]
    if not path:
        return {}, ident
    if isinstance(path, dict):
        state = dict(path)
    else:
        try:
            with open(path) as f:
                data = f.read()
        except FileNotFoundError:
            data = ""
        state = json.loads(data) if data.strip() else {}
    if state.get("file") != ident or st.st_size < state.get("offset", 0):
        return {}, ident
    return state, ident


def save_state(path, ident, state):
    if isinstance(path, dict) and ident:
        path.clear()
        path.update(state, file=ident)
    elif path and ident:
        with open(path, "w") as f:
            json.dump(dict(state, file=ident), f)


def waiting(secs, look):
    """look(state) until it finds something (0 or a line), secs x 5 looks 0.2 s apart at most,
    the state carried between them in memory. Returns the last look's result."""
    state = {}
    for i in range(max(int(secs * 5), 1)):
        found = look(state)
        if found not in (None, 1):
            return found
        time.sleep(0.2)
    return found


def select(path, expr, assigns, state_path, needle):
    state, ident = load_state(state_path, path)
    where = {"offset": state.get("offset", 0)}
    for _, line, j in parse_lines(path, where["offset"], needle, where):
        if truth(expr, j, assigns)[0]:
            print(line)
            return 0
    save_state(state_path, ident, where)
    return 1


def exit_of(path, pid, expr, assigns, state_path):
    # Every line about PID holds its digits: the others need not be parsed.
    state, ident = load_state(state_path, path)
    where, exec_id = {"offset": state.get("offset", 0)}, state.get("exec_id")
    for _, line, j in parse_lines(path, where["offset"], str(pid).encode(), where):
        proc = get(j, "process_exec.process") or get(j, "process_exit.process")
        if not isinstance(proc, dict) or proc.get("pid") != pid:
            continue
        if "process_exec" in j:
            if truth(expr, j, assigns)[0] or exec_id is not None:
                exec_id = proc.get("exec_id")
        elif exec_id is not None and proc.get("exec_id") == exec_id:
            return line
    save_state(state_path, ident, {"offset": where["offset"], "exec_id": exec_id})
    return None


def look(cmd, argv):
    """select and exitof, with their options: once, or (--wait) until found."""
    opts = {}
    while len(argv) > 3 and argv[2] in ("--resume", "--has", "--wait"):
        opts[argv[2]] = argv[3]
        argv = argv[:2] + argv[4:]
    if len(argv) < 4 or ("--has" in opts and cmd != "select") or \
            ("--wait" in opts and ("--resume" in opts or not opts["--wait"].isdigit())):
        sys.exit(__doc__)
    state_path, needle = opts.get("--resume"), opts.get("--has")
    arg = argv[2]
    if cmd == "exitof":
        if len(argv) < 5 or not argv[3].isdigit():
            sys.exit(__doc__)
        pid = int(argv[3])

        def once(st):
            return exit_of(arg, pid, argv[4], argv[5:], st)
    else:
        def once(st):
            return select(arg, argv[3], argv[4:], st, needle and needle.encode())
    found = once(state_path) if "--wait" not in opts else waiting(int(opts["--wait"]), once)
    if cmd == "select":
        return found
    if found is None:
        return 1
    print(found)
    return 0


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd in ("select", "exitof"):
        return look(cmd, argv)
    arg = argv[2]
    if cmd == "first":
        for _, raw in complete_lines(arg):
            print(text(raw))
            return 0
        return 1
    if cmd == "utf8":
        with open(arg, "rb") as f:
            for n, raw in enumerate(f, 1):
                try:
                    raw.decode("utf-8", errors="strict")
                except UnicodeDecodeError as e:
                    print("%s:%d: not UTF-8 (%s): %r" % (arg, n, e, raw[:300]), file=sys.stderr)
                    return 1
        return 0
    if cmd == "alljson":
        for n, (_, raw) in enumerate(complete_lines(arg), 1):
            line = text(raw)
            try:
                json.loads(line)
            except ValueError as e:
                print("%s:%d: not JSON (%s): %s" % (arg, n, e, line[:300]), file=sys.stderr)
                return 1
        return 0
    if len(argv) < 4:
        sys.exit(__doc__)
    expr, assigns = argv[3], argv[4:]
    if cmd == "count":
        print(sum(1 for _, _, j in parse_lines(arg) if truth(expr, j, assigns)[0]))
        return 0
    if cmd == "value":
        try:
            v = eval(expr, namespace(json.loads(arg), assigns))
        except Exception as e:
            print("cannot evaluate %s: %s: %s" % (expr, type(e).__name__, e), file=sys.stderr)
            return 1
        print(v if isinstance(v, str) else json.dumps(v))
        return 0
    if cmd == "assert":
        try:
            j = json.loads(arg)
        except ValueError as e:
            print("not JSON (%s): %s" % (e, arg[:500]), file=sys.stderr)
            return 1
        ok, err = truth(expr, j, assigns)
        if ok:
            return 0
        print("assertion failed: %s" % expr, file=sys.stderr)
        if assigns:
            print("  with: %s" % " ".join(assigns), file=sys.stderr)
        if err:
            print("  raised %s" % err, file=sys.stderr)
        detail = explain(expr, j, assigns)
        if detail:
            print(detail, file=sys.stderr)
        print("  in: %s" % json.dumps(j, ensure_ascii=False)[:2000], file=sys.stderr)
        return 1
    sys.exit("jsoncheck: unknown command %r" % cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
