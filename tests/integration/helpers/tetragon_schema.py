#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Check one process event against Tetragon v1.7.0's proto (api/v1/tetragon/tetragon.proto),
as protojson writes it: field names, JSON types and the order of the fields.

  tetragon_schema.py JSON     exit 1 naming the first field that is unknown, of the wrong type
                              or out of order
  tetragon_schema.py @FILE    the same for the event in FILE

The tables below were written from the proto: Process (fields 1-21), UserRecord, EnvVar
{Key = 1, Value = 2} (the proto's own capitalised names), ProcessExec
(process, parent, ancestors) and ProcessExit (process, parent, signal, status, time,
ancestors). Fields part A of issue 15 adds (cap, ns, process_credentials, binary_properties)
are known by name and type object; their insides are that part's tests' business.
"""
import json
import sys

# (name, type) in proto field order; protojson leaves out zero values and empty lists.
PROCESS = [
    ("exec_id", str), ("pid", int), ("uid", int), ("cwd", str), ("binary", str),
    ("arguments", str), ("flags", str), ("start_time", str), ("auid", int), ("pod", dict),
    ("docker", str), ("parent_exec_id", str), ("refcnt", int), ("cap", dict), ("ns", dict),
    ("tid", int), ("process_credentials", dict), ("binary_properties", dict), ("user", dict),
    ("in_init_tree", bool), ("environment_variables", list),
]
USER = [("name", str)]
ENVVAR = [("Key", str), ("Value", str)]
EXEC = [("process", dict), ("parent", dict), ("ancestors", list)]
EXIT = [("process", dict), ("parent", dict), ("signal", str), ("status", int), ("time", str),
        ("ancestors", list)]
EVENT = [("process_exec", dict), ("process_exit", dict), ("node_name", str), ("time", str)]


def check(obj, table, where):
    if not isinstance(obj, dict):
        sys.exit("%s: not an object" % where)
    order = [name for name, _ in table]
    types = dict(table)
    last = -1
    for key, value in obj.items():
        if key not in types:
            sys.exit("%s: field %r is not in Tetragon's proto" % (where, key))
        # bool is an int in Python: an int field must not hold true/false
        t = types[key]
        if not isinstance(value, t) or (t is int and isinstance(value, bool)):
            sys.exit("%s.%s: %r is not a %s" % (where, key, value, t.__name__))
        if order.index(key) < last:
            sys.exit("%s.%s: out of Tetragon's field order" % (where, key))
        last = order.index(key)


def check_process(p, where):
    check(p, PROCESS, where)
    for key in ("exec_id", "pid", "uid", "binary", "start_time", "auid", "tid", "in_init_tree"):
        if key not in p:
            sys.exit("%s: no %s" % (where, key))
    if "user" in p:
        check(p["user"], USER, where + ".user")
        if not p["user"].get("name"):
            sys.exit("%s.user: an empty UserRecord (protojson leaves it out)" % where)
    if "environment_variables" in p:
        if not p["environment_variables"]:
            sys.exit("%s.environment_variables: empty (protojson leaves it out)" % where)
        for i, v in enumerate(p["environment_variables"]):
            check(v, ENVVAR, "%s.environment_variables[%d]" % (where, i))
            if "" in v.values():
                sys.exit("%s.environment_variables[%d]: an empty string (protojson leaves "
                         "it out)" % (where, i))


def main(argv):
    if argv[1].startswith("@"):  # a file: an event too long for an argument
        with open(argv[1][1:]) as f:
            argv[1] = f.read()
    j = json.loads(argv[1])
    j.pop("received", None)  # what a receiver adds
    check(j, EVENT, "event")
    kind = "process_exec" if "process_exec" in j else "process_exit"
    body = j[kind]
    check(body, EXEC if kind == "process_exec" else EXIT, kind)
    check_process(body["process"], kind + ".process")
    if "parent" in body:
        check_process(body["parent"], kind + ".parent")
    if "ancestors" in body:
        if not body["ancestors"]:
            sys.exit("%s.ancestors: empty (protojson leaves it out)" % kind)
        for i, a in enumerate(body["ancestors"]):
            check_process(a, "%s.ancestors[%d]" % (kind, i))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
