# SPDX-License-Identifier: Apache-2.0
# Integration-test library, syslog-ng: Debian's syslog-ng 3.38 unpacked privately
# (helpers/fetch-syslog-ng; the package conflicts with rsyslog) running contrib/syslog-ng/
# procship.conf in a network namespace of its own, whose loopback is all it can bind: the
# shipped sources listen on every address. procship, logger and anything else that sends to
# it run in that namespace too ($SNG_WRAP). Sourced by lib.sh.

SNG_PID=
SNG_NS=
SNG_WRAP=

# start_syslogng: syslog-ng with the shipped file, its ports moved to free ones and its
# directory to $T/syslog-ng/received, with its own config, pid file, persist and control
# files, and module path. Sets SNG_PORT (RFC 3164/5424), SNG_JPORT (bare JSON), SNG_DIR,
# SNG_NS and SNG_WRAP (a command that runs its arguments in the namespace, same pid).
# SNG_APP_NAME (procship's --syslog-app-name) goes into the file's @define procship_app_name.
start_syslogng()
{
	local base=$T/syslog-ng root i
	root=$("$IT_HELPERS/fetch-syslog-ng" 2>"$T/fetch-syslog-ng.log") ||
		{ show_tail "$T/fetch-syslog-ng.log"; fail "cannot unpack syslog-ng (helpers/fetch-syslog-ng)"; }
	[ -x "$root/usr/sbin/syslog-ng" ] || fail "no syslog-ng binary below $root"
	mkdir -p "$base/received"
	SNG_NS=procship-it-$$-sng
	ip netns add "$SNG_NS" || fail "cannot create network namespace $SNG_NS"
	it_on_exit "ip netns del $SNG_NS"
	ip netns exec "$SNG_NS" ip link set lo up
	SNG_WRAP=$T/in-sng-ns
	printf '#!/bin/sh\nexec ip netns exec %s "$@"\n' "$SNG_NS" >"$SNG_WRAP"
	chmod +x "$SNG_WRAP"
	SNG_PORT=5514 SNG_JPORT=5515 # the namespace is ours: the shipped ports are free there
	contrib_copy "$IT_TOP/contrib/syslog-ng/procship.conf" "$base/procship.conf" \
		"s|/var/log/procship/|$base/received/|g" \
		${SNG_APP_NAME:+"s|^@define procship_app_name \"procship\"\$|@define procship_app_name \"$SNG_APP_NAME\"|"}
	printf '@version: 3.38\n@include "%s"\n' "$base/procship.conf" >"$base/syslog-ng.conf"
	export LD_LIBRARY_PATH=$root/usr/lib/syslog-ng
	SNG_CMD=("$root/usr/sbin/syslog-ng" -F -f "$base/syslog-ng.conf"
		--module-path="$root/usr/lib/syslog-ng/3.38" -p "$base/syslog-ng.pid"
		-R "$base/syslog-ng.persist" -c "$base/syslog-ng.ctl")
	"${SNG_CMD[@]}" --syntax-only >"$base/check.log" 2>&1 ||
		{ show_tail "$base/check.log"; fail "syslog-ng rejects $base/syslog-ng.conf"; }
	"$SNG_WRAP" "${SNG_CMD[@]}" >>"$base/syslog-ng.log" 2>&1 &
	SNG_PID=$!
	unset LD_LIBRARY_PATH
	for ((i = 0; i < 100; i++)); do
		"$SNG_WRAP" ss -Hunl "sport = :$SNG_JPORT" | grep -q ":$SNG_JPORT\b" && break
		kill -0 "$SNG_PID" 2>/dev/null || break
		sleep 0.1
	done
	"$SNG_WRAP" ss -Hunl "sport = :$SNG_JPORT" | grep -q ":$SNG_JPORT\b" ||
		{ show_tail "$base/syslog-ng.log"; fail "syslog-ng did not bind its ports within 10s"; }
	SNG_DIR=$base/received
	info "syslog-ng $SNG_PID in netns $SNG_NS on udp $SNG_PORT and $SNG_JPORT, writing $SNG_DIR"
}

it_syslogng_cleanup()
{
	[ -n "$SNG_PID" ] || return 0
	stop_pid "$SNG_PID" 5 || info "syslog-ng $SNG_PID needed SIGKILL"
	wait "$SNG_PID" 2>/dev/null
}
it_at_cleanup it_syslogng_cleanup
