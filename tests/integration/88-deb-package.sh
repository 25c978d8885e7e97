#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# it-exclusive: installs and purges a package (the dpkg lock, the procship account, /usr)
# The Debian package (issue 18): `make deb` builds it with /sys/kernel/btf/vmlinux hidden (a
# build chroot has none) and lintian reports nothing; the package holds exactly the expected
# files, a stripped binary and a -dbgsym; installed, it creates the user procship, enables the
# unit (which systemd-analyze verifies and scores at most 2.0), and the installed binary, run
# as the unit runs it (user procship, ambient capabilities, the installed conffile), ships an
# exec of ours through a real rsyslogd running the installed drop-in into
# /var/log/procship/events.json; `procship reload` answers; a metrics file in node_exporter's
# textfile directory is a start-up error until the group procship may write it, as README.md
# says, and then written. Purged, it leaves nothing behind.
# it-timeout: 400
set -euo pipefail
. "$(dirname "$0")/lib.sh"

for c in dpkg-buildpackage lintian apt-get systemd-analyze setpriv unshare readelf; do
	command -v "$c" >/dev/null || fail "prerequisite missing: $c (run 'make deps')"
done
getent passwd procship >/dev/null && ! dpkg -s procship >/dev/null 2>&1 &&
	fail "a user procship exists that the package did not create: remove it first"

apt_q() { apt-get -qq -y -o DPkg::Lock::Timeout=120 "$@"; }
purge() { dpkg -s procship >/dev/null 2>&1 && apt_q purge procship >"$T/purge.log" 2>&1; }
# A package left by an earlier, interrupted run is ours: take it away first, and at the end.
purge || true
it_on_exit purge

# ---- build, without the kernel's BTF --------------------------------------------------------
info "building the package (make deb), /sys/kernel/btf hidden"
unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && [ ! -e /sys/kernel/btf/vmlinux ] &&
	DEB_BUILD_OPTIONS=parallel=2 make -s -C "$1" deb OUTPUT="$2"' sh "$IT_TOP" "$T/build" \
	>"$T/build.log" 2>&1 || { show_tail "$T/build.log" 30; fail "make deb failed"; }
deb=$(ls "$T"/build/deb/procship_*_amd64.deb)
dbg=$(ls "$T"/build/deb/procship-dbgsym_*_amd64.deb) || fail "no -dbgsym package"
# make deb runs lintian --fail-on error,warning; its tags would be here
grep -E '^[EW]: ' "$T/build.log" && fail "lintian reports errors or warnings (above)"
grep -q 'procship_.*\.deb' "$T/build.log" || fail "make deb did not list the package"

# ---- the file list --------------------------------------------------------------------------
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | sort >"$T/files"
sort >"$T/want" <<'EOF'
/etc/logrotate.d/procship
/etc/procship/procship.yaml
/etc/rsyslog.d/procship-local.conf
/lib/systemd/system/procship.service
/lib/systemd/system/procship.socket
/usr/lib/sysusers.d/procship.conf
/usr/sbin/procship
/usr/share/doc/procship/README.md.gz
/usr/share/doc/procship/changelog.gz
/usr/share/doc/procship/copyright
/usr/share/doc/procship/examples/procship-receiver.conf
/usr/share/doc/procship/examples/procship.yaml
/usr/share/man/man1/procship-getevents.1.gz
/usr/share/man/man5/procship.conf.5.gz
/usr/share/man/man8/procship.8.gz
/usr/share/procship/nxlog/procship.conf
/usr/share/procship/procship.yaml
/usr/share/procship/rulebases/cron.rb
/usr/share/procship/rulebases/sshd.rb
/usr/share/procship/rulebases/sudo.rb
/usr/share/procship/rsyslog/procship-filter.conf
/usr/share/procship/rsyslog/procship-local.conf
/usr/share/procship/rsyslog/procship-port.conf
/usr/share/procship/rsyslog/procship-receiver.conf
/usr/share/procship/rsyslog/procship-relay.conf
/usr/share/procship/syslog-ng/procship.conf
EOF
diff "$T/want" "$T/files" ||
	fail "the package's files differ from the list (above: - missing, + unexpected)"
dpkg-deb -c "$dbg" | grep '/usr/lib/debug/.build-id/.*\.debug$' >/dev/null ||
	fail "the -dbgsym package holds no .debug file"
dpkg-deb -e "$deb" "$T/control"
diff <(sort "$T/control/conffiles") <(printf '%s\n' /etc/logrotate.d/procship \
	/etc/procship/procship.yaml /etc/rsyslog.d/procship-local.conf) ||
	fail "conffiles differ (above)"

# ---- install --------------------------------------------------------------------------------
apt_q install "$deb" >"$T/install.log" 2>&1 || { show_tail "$T/install.log"; fail "apt install failed"; }
readelf -S /usr/sbin/procship | grep -q '\.debug_info' && fail "/usr/sbin/procship is not stripped"
getent passwd procship | grep -Eq ':/usr/sbin/nologin$|:/bin/false$' ||
	fail "no system user procship without a shell: $(getent passwd procship)"
[ -L /etc/systemd/system/multi-user.target.wants/procship.service ] ||
	fail "the unit is not enabled"
[ -e /etc/systemd/system/sockets.target.wants/procship.socket ] &&
	fail "procship.socket is enabled: it would take journald's forwarding socket from rsyslog"
systemd-analyze verify /lib/systemd/system/procship.service /lib/systemd/system/procship.socket \
	>"$T/verify.log" 2>&1 ||
	{ cat "$T/verify.log" >&2; fail "systemd-analyze verify refuses the installed unit"; }
score=$(systemd-analyze security --offline=yes /lib/systemd/system/procship.service 2>&1 |
	sed -n 's/.*Overall exposure level for procship.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' ||
	fail "systemd-analyze security scores the unit '$score', want <= 2.0"
info "installed: unit verified, exposure $score"

# ---- run it as the unit does, against rsyslogd with the installed drop-in -------------------
port=$(free_udp_port)
mkdir -p "$T/rsyslog-work"
sed "s/port=\"5514\"/port=\"$port\"/" /etc/rsyslog.d/procship-local.conf >"$T/drop-in.conf"
grep -q "port=\"$port\"" "$T/drop-in.conf" || fail "the drop-in has no port=\"5514\" to move"
printf 'global(workDirectory="%s")\ninclude(file="%s")\n' "$T/rsyslog-work" "$T/drop-in.conf" \
	>"$T/rsyslogd.conf"
rsyslogd -N1 -f "$T/rsyslogd.conf" >"$T/rsyslogd-check.log" 2>&1 ||
	{ show_tail "$T/rsyslogd-check.log"; fail "rsyslogd refuses the installed drop-in"; }
rsyslogd -n -f "$T/rsyslogd.conf" -i "$T/rsyslogd.pid" >"$T/rsyslogd.log" 2>&1 &
rpid=$!
it_on_exit "kill $rpid 2>/dev/null"
for ((i = 0; i < 100; i++)); do port_is_listening "$port" && break; sleep 0.1; done
port_is_listening "$port" || fail "rsyslogd does not listen on 127.0.0.1:$port"
# StateDirectory=procship, as systemd would create it
install -d -o procship -g procship -m 0750 /var/lib/procship
PROCSHIP=/usr/sbin/procship IT_PROCSHIP_WRAPPER=$IT_HELPERS/as-unit \
	start_procship --config-file /etc/procship/procship.yaml \
	--udp-output-address "127.0.0.1:$port"
exec_marked deb-marker
ev=/var/log/procship/events.json
line=$(wait_for_exec "$ev" deb-marker 20) || fail "our exec never reached $ev"
assert_json "$line" 'j["process_exec"]["process"]["pid"] == int(pid)' pid="$(cat "$T/deb-marker.pid")"
head -n1 "$ev" | grep -q '"agent_init"' || fail "the first line of $ev is not agent_init"
all_json "$ev"
[ "$(stat -c '%U:%G %a' "$ev")" = "root:adm 640" ] || fail "$ev is $(stat -c '%U:%G %a' "$ev")"
[ -s /var/lib/procship/procship.prom ] || fail "no metrics file /var/lib/procship/procship.prom"
setpriv --reuid=procship --regid=procship --init-groups /usr/sbin/procship reload \
	"$PROCSHIP_PID" >"$T/reload.out" 2>&1 || { cat "$T/reload.out" >&2; fail "procship reload failed"; }
stop_procship
check_own_log
info "the installed binary shipped our exec to $ev"

# node_exporter's textfile directory: refused at start-up until the group procship may write
# it, as README.md says to arrange
ne=/var/lib/prometheus/node-exporter
if [ ! -e /var/lib/prometheus ]; then it_on_exit "rm -rf /var/lib/prometheus"; fi
[ -e "$ne" ] && fail "$ne exists already: this test would change it"
install -d -m 0755 "$ne"
status=0
timeout 20 "$IT_HELPERS/as-unit" /usr/sbin/procship --config-file /etc/procship/procship.yaml \
	--udp-output-address "127.0.0.1:$port" --metrics-file "$ne/procship.prom" \
	>/dev/null 2>"$T/ne.err" || status=$?
[ "$status" -eq 1 ] && [ "$(grep -c 'fatal:' "$T/ne.err")" -eq 1 ] &&
	grep -q -- "fatal: --metrics-file: .*$ne/procship.prom" "$T/ne.err" ||
	{ cat "$T/ne.err" >&2; fail "a metrics file in a root-only $ne: exit $status"; }
install -d -o root -g procship -m 0775 "$ne"
PROCSHIP=/usr/sbin/procship IT_PROCSHIP_WRAPPER=$IT_HELPERS/as-unit \
	start_procship --config-file /etc/procship/procship.yaml \
	--udp-output-address "127.0.0.1:$port" --metrics-file "$ne/procship.prom"
grep -q '^procship_events_exported_total ' "$ne/procship.prom" ||
	fail "no metrics in $ne/procship.prom"
stop_procship
rm -rf "$ne"
info "metrics in $ne once the group procship may write it"

kill "$rpid" && wait "$rpid" || true

# ---- purge ----------------------------------------------------------------------------------
dpkg -L procship | sort >"$T/installed"
apt_q purge procship >"$T/purge.log" 2>&1 || { show_tail "$T/purge.log"; fail "apt purge failed"; }
left=
while read -r f; do
	case $f in /etc | /etc/* | /lib/* | /usr/* | /var/*) ;; *) continue ;; esac
	[ -d "$f" ] && [ -n "$(ls -A "$f" 2>/dev/null)" ] && continue # shared directories
	[ -e "$f" ] && [ ! -d "$f" ] && left="$left $f"
done <"$T/installed"
for f in /etc/procship /var/log/procship /var/lib/procship /usr/share/doc/procship \
	/usr/share/procship /etc/systemd/system/multi-user.target.wants/procship.service \
	/var/lib/systemd/deb-systemd-helper-enabled/procship.service.dsh-also; do
	[ -e "$f" ] && left="$left $f"
done
[ -z "$left" ] || fail "left behind after purge:$left"
getent passwd procship >/dev/null && fail "the user procship is still there after purge"
info "purged: nothing left"
