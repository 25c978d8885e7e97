#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Binary identity (issue 15): an exec of a memfd and of an unlinked file (fexecve) carries
# binary_properties.file.inode {number, links: 0} from the file the kernel executed
# (bprm->file), the number as protojson writes a uint64 (a string) and equal to the fd's inode;
# the binary is "/dev/fd/N", as Tetragon reports the path it was given. An fexecve of a linked
# file has no binary_properties. Tetragon governs all of it with --enable-process-cred: without
# it, none.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-fileless
fdexec() { "$PYTHON" "$IT_HELPERS/fdexec.py" "$@" || fail "fdexec.py $1 failed"; }
enrich() { "$PYTHON" "$IT_HELPERS/enrichcheck.py" "$@" || fail "enrichment schema (see above)"; }
exec_of() { wait_for_json "$PROCSHIP_OUT" '"process_exec" in j and P["arguments"] == a' 10 a="$1"; }

start_procship --enable-process-cred --export-allowlist "$(marker_filter "$m")"
fdexec memfd "$T/memfd.ino" "$m-memfd"
fdexec unlinked "$T/unlinked.ino" "$T/copy-of-true" "$m-unlinked"
fdexec linked "$T/linked.ino" "$m-linked"
for k in memfd unlinked; do
	read -r ino fd <"$T/$k.ino"
	e=$(exec_of "$m-$k")
	enrich "$e" cred props
	assert_json "$e" 'P["binary"] == "/dev/fd/" + fd' fd="$fd"
	assert_json "$e" 'P["binary_properties"] == {"file": {"inode": {"number": ino, "links": 0}}}' \
		ino="$ino"
	# the exit and the cache know nothing of it: it is the exec's
	x=$(wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["arguments"] == a' 10 a="$m-$k")
	enrich "$x" cred
done
read -r ino fd <"$T/linked.ino"
e=$(exec_of "$m-linked")
enrich "$e" cred
assert_json "$e" 'P["binary"] == "/dev/fd/" + fd' fd="$fd"
stop_procship
check_own_log

start_procship --export-allowlist "$(marker_filter "$m")"
fdexec memfd "$T/memfd2.ino" "$m-off"
e=$(exec_of "$m-off")
enrich "$e"
stop_procship
check_own_log
