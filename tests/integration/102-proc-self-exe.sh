#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# An exec through /proc/self/exe (issue 15): the event names the binary "/proc/self/exe", the
# path the exec was given, as Tetragon v1.7.0 does (its binary is the exec's filename made
# absolute; the file behind it is the one the previous image ran, whose path is the parent's
# binary); the file has links, so no binary_properties; with --enable-process-cred and
# --enable-process-ns both, each block is in place and in the proto's order on both objects.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-selfexe
enrich() { "$PYTHON" "$IT_HELPERS/enrichcheck.py" "$@" || fail "enrichment schema (see above)"; }

start_procship --enable-process-cred --enable-process-ns --export-allowlist '{"arguments_regex":["^-c [^ ]* ?'"$m"'"]}'
"$PYTHON" "$IT_HELPERS/fdexec.py" self "$m" || fail "fdexec.py self failed"
# a shell re-executing itself too: dash runs dash
(cd "$T" && exec /bin/sh -c 'exec /proc/self/exe -c ": $0"' "$m-sh") || fail "sh re-exec failed"

e=$(wait_for_json "$PROCSHIP_OUT" '"process_exec" in j and P["arguments"] == "-c pass " + a' 10 a="$m")
enrich "$e" cred ns
assert_json "$e" 'P["binary"] == "/proc/self/exe" and P["flags"] == "execve"'
# the parent is the image that re-exec'd itself: the python this shell ran
assert_json "$e" 'j["process_exec"]["parent"]["binary"] == py' py="$(command -v "$PYTHON")"
assert_json "$e" 'j["process_exec"]["parent"]["pid"] == P["pid"]'

# the outer sh expands $0 into the inner command
s=$(wait_for_json "$PROCSHIP_OUT" '"process_exec" in j and P["arguments"] == "-c \": %s\"" % a' 10 \
	a="$m-sh")
enrich "$s" cred ns
assert_json "$s" 'P["binary"] == "/proc/self/exe" and j["process_exec"]["parent"]["binary"] == "/bin/sh"'
stop_procship
check_own_log
