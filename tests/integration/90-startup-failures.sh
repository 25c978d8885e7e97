#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Start-up failures say what is wrong in one line (issue 18): a --btf file that does not parse
# or is missing exits 3 naming it, and so does a kernel without /sys/kernel/btf/vmlinux (hidden
# in a mount namespace of ours), even with a good --btf: tp_btf programs attach through the
# kernel's own BTF; --btf with a copy of the kernel's BTF runs and ships;
# libbpf's own lines appear only at --log-level debug; a user without CAP_BPF and CAP_PERFMON
# (a test user created here), or with CAP_BPF alone, exits 3 naming what is missing, not
# libbpf's memlock advice; a metrics file that cannot be written exits 1 naming
# --metrics-file, before BPF is loaded and after the switch to --user. The unit does not
# restart exit statuses 2 and 3, and systemd-analyze security scores it at most 2.0.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
command -v setpriv >/dev/null && command -v unshare >/dev/null ||
	fail "prerequisite missing: setpriv, unshare (util-linux)"

# refused STATUS WORDS -- ARGS...: "$PROCSHIP" ARGS (or "$WRAP" "$PROCSHIP" ARGS) exits STATUS
# with one line on stderr holding every one of WORDS, and nothing on stdout.
WRAP=()
refused()
{
	local want=$1 status=0 n w words=()
	shift
	while [ "$1" != -- ]; do words+=("$1"); shift; done
	shift
	timeout 20 "${WRAP[@]}" "$PROCSHIP" "$@" >"$T/bad.out" 2>"$T/bad.err" || status=$?
	[ "$status" -eq "$want" ] ||
		{ show_tail "$T/bad.err"; fail "procship $*: exit status $status, want $want"; }
	n=$(wc -l <"$T/bad.err")
	[ "$n" -eq 1 ] || { show_tail "$T/bad.err"; fail "procship $*: $n lines on stderr, want 1"; }
	for w in "${words[@]}"; do
		grep -qF -- "$w" "$T/bad.err" || fail "procship $*: '$w' not in: $(cat "$T/bad.err")"
	done
	grep -qiE 'libbpf|memlock|No such process' "$T/bad.err" &&
		fail "procship $*: libbpf's words at --log-level info: $(cat "$T/bad.err")"
	[ ! -s "$T/bad.out" ] || fail "procship $*: wrote to stdout"
	info "refused as expected ($status): $(cat "$T/bad.err")"
}

# ---- BTF --------------------------------------------------------------------------------------
printf 'not BTF at all\n' >"$T/junk.btf"
refused 3 "--btf" "$T/junk.btf" "not a BTF file" -- --btf "$T/junk.btf"
refused 3 "--btf" "$T/missing.btf" "No such file or directory" -- --btf "$T/missing.btf"
timeout 20 "$PROCSHIP" --btf "$T/junk.btf" --log-level debug >/dev/null 2>"$T/debug.err" || true
grep -q 'debug: libbpf: ' "$T/debug.err" || { cat "$T/debug.err" >&2; fail "no libbpf lines at debug"; }

# a kernel without BTF, as far as procship can tell
cat >"$T/nobtf" <<'EOF'
#!/bin/sh
# exec ARGS in a mount namespace where /sys/kernel/btf is an empty tmpfs (same pid)
exec unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' sh "$@"
EOF
chmod +x "$T/nobtf"
cp /sys/kernel/btf/vmlinux "$T/vmlinux.btf"
WRAP=("$T/nobtf")
refused 3 "the kernel has no BTF" "/sys/kernel/btf/vmlinux" "CONFIG_DEBUG_INFO_BTF" --
refused 3 "the kernel has no BTF" "/sys/kernel/btf/vmlinux" -- --btf "$T/vmlinux.btf"
WRAP=()
start_rsyslogd
start_procship --btf "$T/vmlinux.btf" --udp-output-enabled \
	--udp-output-address "127.0.0.1:$RSYSLOG_PORT"
exec_marked btf-marker
wait_for_exec "$RSYSLOG_OUT" btf-marker 15 >/dev/null
stop_procship
check_own_log
info "--btf $T/vmlinux.btf: shipped"

# ---- privileges -------------------------------------------------------------------------------
user=psit$$
add_test_user "$user"
WRAP=(setpriv --reuid="$user" --regid="$user" --init-groups)
refused 3 "missing privileges" "CAP_BPF and CAP_PERFMON" "CAP_SYS_ADMIN" -- --log-level info
WRAP=(setpriv --reuid="$user" --regid="$user" --init-groups --inh-caps=+bpf --ambient-caps=+bpf)
refused 3 "missing privileges" "CAP_PERFMON not effective" -- --log-level info
grep -q "CAP_BPF and CAP_PERFMON not" "$T/bad.err" && fail "CAP_BPF named missing while it is held"
WRAP=()

# ---- the metrics file -------------------------------------------------------------------------
refused 1 "--metrics-file" "$T/nodir/m.prom" -- --metrics-file "$T/nodir/m.prom"
mkdir -m 0755 "$T/rootonly"
chmod 0711 "$T"
status=0
timeout 20 "$PROCSHIP" --user "$user" --metrics-file "$T/rootonly/m.prom" >/dev/null \
	2>"$T/user.err" || status=$?
[ "$status" -eq 1 ] || { show_tail "$T/user.err"; fail "--user with a root-only metrics dir: exit $status, want 1"; }
[ "$(grep -c 'fatal:' "$T/user.err")" -eq 1 ] && grep -q "fatal: --metrics-file: .*$T/rootonly/m.prom" "$T/user.err" ||
	{ show_tail "$T/user.err"; fail "--user with a root-only metrics dir: not one fatal line naming it"; }
grep -qw ready "$T/user.err" && fail "'ready' logged although the metrics file cannot be written"

# ---- the unit ---------------------------------------------------------------------------------
unit=$IT_TOP/contrib/systemd/procship.service
grep -Eq '^RestartPreventExitStatus=2 3$' "$unit" || fail "$unit does not keep 2 and 3 from restarting"
grep -Eq '^Type=notify$' "$unit" || fail "$unit is not Type=notify"
score=$(systemd-analyze security --offline=yes "$unit" 2>&1 |
	sed -n 's/.*Overall exposure level for procship.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' ||
	fail "systemd-analyze security scores $unit '$score', want <= 2.0"
info "unit exposure $score"
