/* SPDX-License-Identifier: Apache-2.0 */
/* The option table: each option's name, type, default, help text and checker. */
#include "shipper/conf/conf.h"

#include <pwd.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "framing/framing.h"
#include "shipper/sys/log.h"
#include "shipper/admit/filters.h"
#include "shipper/out/udp.h"
#include "shipper/sys/sandbox.h"

static int log_level_from_name(const char *name)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* The names of enum sandbox_mode (sandbox.c has the same table; conf links no module). */
static int seccomp_mode_from_name(const char *name)
{
	static const char *const names[] = {
		[SANDBOX_KILL] = "kill",
		[SANDBOX_ERRNO] = "errno",
		[SANDBOX_LOG] = "log",
		[SANDBOX_OFF] = "off",
	};
	int i;

	for (i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* Addresses are checked when they are read, so a bad one in a file is reported with its line;
 * the output parses them again with the final default port. */
static int check_addresses(const char *value, char *err, size_t errlen)
{
	struct hostport dests[CONF_LIST_MAX];

	return hostport_parse_list(value, UDP_DEFAULT_PORT, dests, CONF_LIST_MAX, err, errlen) < 0
		       ? -1
		       : 0;
}

/* An unknown user is a configuration error (exit 2), found before BPF is loaded. */
static int check_user(const char *value, char *err, size_t errlen)
{
	if (value[0] && !getpwnam(value)) {
		snprintf(err, errlen, "no such user '%s'", value);
		return -1;
	}
	return 0;
}

/* The kernel wants a power of two of at least a page; libbpf would round anything else up
 * without a word. */
static int check_ringbuf_size(const char *value, char *err, size_t errlen)
{
	char *end;
	long n = strtol(value, &end, 10);
	long page = sysconf(_SC_PAGESIZE);

	if (*end == '\0' && n > 0 && (n & (n - 1)) == 0 && n >= page)
		return 0;
	if (*end == '\0')
		snprintf(err, errlen, "%s is not a power of two of at least %ld", value, page);
	else
		snprintf(err, errlen, "'%s' is not a number", value);
	return -1;
}

/* Filter lines are compiled when read, so a bad one in a file is reported with its line.
 * The option names the list: "--export-denylist: line 2: ...", not filters_new's "allowlist". */
static int check_filter(const char *value, char *err, size_t errlen)
{
	static const char list[] = "allowlist ";
	struct filters *f;

	if (!value[0])
		return 0;
	f = filters_new(value, "", err, errlen);
	if (!f) {
		if (!strncmp(err, list, sizeof(list) - 1))
			memmove(err, err + sizeof(list) - 1, strlen(err) - (sizeof(list) - 1) + 1);
		return -1;
	}
	filters_free(f);
	return 0;
}

/* --text-format: CONF_TEXT_RELAY, CONF_TEXT_JSON. */
static int text_format_from_name(const char *name)
{
	if (strcmp(name, "relay") == 0)
		return CONF_TEXT_RELAY;
	if (strcmp(name, "json") == 0)
		return CONF_TEXT_JSON;
	return -1;
}

/* Tetragon's --enable-ancestors types (pkg/option/flags.go): "base" is process_exec and
 * process_exit; the others name event types procship does not have. */
static const char *const ancestor_types[] = {
	"base", "kprobe", "tracepoint", "loader", "uprobe", "lsm", "usdt"};

/* Does the comma list value name type (NULL: any but base)? -1 with err for a name that is
 * none of ancestor_types (Tetragon ignores those; a typo would leave ancestors off). */
static int ancestors_scan(const char *value, const char *type, char *err, size_t errlen)
{
	const char *p = value;
	int found = 0;

	while (*p) {
		size_t len = strcspn(p, ","), i,
		       n = sizeof(ancestor_types) / sizeof(*ancestor_types);

		for (i = 0; len && i < n; i++)
			if (strlen(ancestor_types[i]) == len && !strncmp(p, ancestor_types[i], len))
				break;
		if (len && i == n) {
			snprintf(err, errlen,
				"unknown event type '%.*s' (one of: base, kprobe, tracepoint, "
				"loader, uprobe, lsm, usdt)",
				(int)len, p);
			return -1;
		}
		if (len && (type ? !strcmp(ancestor_types[i], type) : i > 0))
			found = 1;
		p += len + (p[len] == ',');
	}
	return found;
}

static int check_ancestors(const char *value, char *err, size_t errlen)
{
	return ancestors_scan(value, "base", err, errlen) < 0 ? -1 : 0;
}

static bool ancestors_any(const struct conf *c, const char *type)
{
	char err[160];
	size_t i;

	for (i = 0; i < c->enable_ancestors.n; i++)
		if (ancestors_scan(c->enable_ancestors.v[i], type, err, sizeof(err)) > 0)
			return true;
	return false;
}

bool conf_ancestors_type(const struct conf *c, const char *type)
{
	return ancestors_any(c, type);
}

bool conf_ancestors_other(const struct conf *c)
{
	return ancestors_any(c, NULL);
}

/* --username-metadata: Tetragon's two values. */
static int username_from_name(const char *name)
{
	if (strcmp(name, "disabled") == 0)
		return CONF_USERNAME_DISABLED;
	if (strcmp(name, "unix") == 0)
		return CONF_USERNAME_UNIX;
	return -1;
}

#define OFF(field) offsetof(struct conf, field)
/* The choices of a name option, generated from framing's table so that the help lists exactly
 * what the parser accepts: ", kern, user, ..." from the names and aliases, less its first ", ". */
#define NAME_ITEM(name, value) ", " name
#define NAMES(names, aliases)  (&(names(NAME_ITEM) aliases(NAME_ITEM))[2])

const struct conf_option conf_options[] = {
	{"udp-output-enabled", CONF_BOOL, "false", NULL, 0, 0, NULL, NULL, OFF(udp_output_enabled),
		"ship events over UDP; without it, JSON lines go to standard output", NULL, true},
	{"udp-output-address", CONF_LIST, "127.0.0.1", "HOST[:PORT][,...]", 0, 0, NULL, NULL,
		OFF(udp_output_address),
		"destination; repeat it or give a comma list for failover, [IPv6]:port",
		check_addresses, false},
	{"udp-output-port", CONF_INT, "514", "N", 1, 65535, NULL, NULL, OFF(udp_output_port),
		"port for destinations given without one", NULL, false},
	{"udp-buffer-size", CONF_INT, "65536", "BYTES", 0, 1 << 30, NULL, NULL,
		OFF(udp_buffer_size), "SO_SNDBUF of the UDP socket (0 = system default)", NULL,
		false},
	{"udp-local-port", CONF_INT, "0", "N", 0, 65535, NULL, NULL, OFF(udp_local_port),
		"source port of the datagrams (0 = any)", NULL, false},
	{"udp-reconnect-interval", CONF_INT, "0", "SECONDS", 0, 86400, NULL, NULL,
		OFF(udp_reconnect_interval),
		"fixed retry interval after a failure (0 = 1 s doubling to 60 s)", NULL, false},
	{"max-message-size", CONF_INT, "8096", "BYTES", 480, 65507, NULL, NULL,
		OFF(max_message_size), "longest datagram sent; longer messages are truncated", NULL,
		true},
	{"syslog-format", CONF_NAME, "rfc3164", "FORMAT", 0, 0, framing_format_from_name,
		"json, rfc3164, rfc5424", OFF(syslog_format),
		"framing: bare JSON, RFC 3164 or RFC 5424 header", NULL, false},
	{"syslog-facility", CONF_NAME, "user", "NAME", 0, 0, framing_facility_from_name,
		NAMES(FRAMING_FACILITIES, FRAMING_FACILITY_ALIASES), OFF(syslog_facility),
		"syslog facility of the messages", NULL, false},
	{"syslog-severity", CONF_NAME, "info", "NAME", 0, 0, framing_severity_from_name,
		NAMES(FRAMING_SEVERITIES, FRAMING_SEVERITY_ALIASES), OFF(syslog_severity),
		"syslog severity of the messages", NULL, false},
	{"syslog-app-name", CONF_STRING, "procship", "NAME", 0, 0, NULL, NULL, OFF(syslog_app_name),
		"APP-NAME (RFC 5424) or TAG (RFC 3164)", NULL, false},
	{"hostname", CONF_STRING, "", "NAME", 0, 0, NULL, NULL, OFF(hostname),
		"HOSTNAME in the syslog header (default: the node name)", NULL, false},
	{"cee-cookie", CONF_BOOL, "false", NULL, 0, 0, NULL, NULL, OFF(cee_cookie),
		"put \"@cee:\" before the JSON, for rsyslog's mmjsonparse (not with json)", NULL,
		false},
	{"syslog-timestamp", CONF_NAME, "local", "TIME", 0, 0, framing_3164_time_from_name,
		"local, utc, rfc3339", OFF(syslog_timestamp),
		"RFC 3164 timestamp: local time, UTC, or RFC 3339 with its zone", NULL, false},
	{"syslog-meta", CONF_BOOL, "true", NULL, 0, 0, NULL, NULL, OFF(syslog_meta),
		"RFC 5424: [meta sequenceId sysUpTime] per destination, [origin] on procship's own",
		NULL, false},
	{"ring-buffer-size", CONF_INT, "4194304", "BYTES", 4096, 1L << 30, NULL, NULL,
		OFF(ringbuf_size), "BPF ring buffer size (a power of two)", check_ringbuf_size,
		true},
	{"ring-buffer-poll-us", CONF_INT, "5000", "MICROSECONDS", 500, 100000, NULL, NULL,
		OFF(ringbuf_poll_us),
		"while records keep coming, read the ring this often instead of being woken", NULL,
		true},
	{"nice", CONF_INT, "-10", "N", -20, 19, NULL, NULL, OFF(nice),
		"procship's nice value: below users' 0, so that their exec storms cannot starve "
		"the ring buffer's drain",
		NULL, true},
	{"realtime-priority", CONF_INT, "0", "N", 0, 99, NULL, NULL, OFF(realtime_priority),
		"run the event loop under SCHED_FIFO at this priority (0: no), so that an event "
		"never waits behind other tasks for the CPU",
		NULL, true},
	{"btf", CONF_STRING, "", "PATH", 0, 0, NULL, NULL, OFF(btf),
		"BTF file with the kernel's types to relocate the BPF programs against", NULL,
		true},
	{"log-level", CONF_NAME, "info", "LEVEL", 0, 0, log_level_from_name,
		"error, warning, info, debug", OFF(log_level), "what procship logs to stderr", NULL,
		false},
	{"log-syslog", CONF_BOOL, "false", NULL, 0, 0, NULL, NULL, OFF(log_syslog),
		"log to syslog(3), facility daemon, instead of standard error", NULL, false},
	{"seccomp", CONF_NAME, "kill", "MODE", 0, 0, seccomp_mode_from_name,
		"kill, errno, log, off", OFF(seccomp),
		"what a system call outside the allowlist gets, once started", NULL, true},
	{"config-file", CONF_STRING, "", "PATH", 0, 0, NULL, NULL, OFF(config_file),
		"YAML file whose keys are these option names; flags override it", NULL, false},
	{"export-rate-limit", CONF_INT, "-1", "N", -1, 100000000, NULL, NULL,
		OFF(export_rate_limit), "events exported per minute (-1 unlimited, 0 none)", NULL,
		false},
	{"export-rate-limit-per-uid", CONF_INT, "-1", "N", -1, 100000000, NULL, NULL,
		OFF(export_rate_limit_per_uid),
		"events exported per minute for each uid, before the shared limit (-1 off)", NULL,
		false},
	{"export-filename", CONF_STRING, "", "PATH", 0, 0, NULL, NULL, OFF(export_filename),
		"also write JSON lines to this file (- is standard output)", NULL, false},
	{"export-file-max-size-mb", CONF_INT, "10", "MB", 1, 1048576, NULL, NULL,
		OFF(export_file_max_size_mb), "rotate the export file at this size", NULL, false},
	{"export-file-max-backups", CONF_INT, "5", "N", 0, 100000, NULL, NULL,
		OFF(export_file_max_backups), "rotated export files kept (0 = all)", NULL, false},
	{"export-file-compress", CONF_BOOL, "false", NULL, 0, 0, NULL, NULL,
		OFF(export_file_compress), "gzip rotated export files", NULL, false},
	{"export-allowlist", CONF_STRING, "", "JSON", 0, 0, NULL, NULL, OFF(export_allowlist),
		"export only events matching one of these Tetragon filter lines", check_filter,
		false},
	{"export-denylist", CONF_STRING, "", "JSON", 0, 0, NULL, NULL, OFF(export_denylist),
		"never export events matching one of these Tetragon filter lines", check_filter,
		false},
	{"enable-pid-set-filter", CONF_BOOL, "false", NULL, 0, 0, NULL, NULL,
		OFF(enable_pid_set_filter), "accept pid_set in the filters (Tetragon's flag)", NULL,
		false},
	{"metrics-file", CONF_STRING, "", "PATH", 0, 0, NULL, NULL, OFF(metrics_file),
		"write Prometheus text-format counters to this file", NULL, false},
	{"metrics-interval", CONF_INT, "10", "SECONDS", 1, 86400, NULL, NULL, OFF(metrics_interval),
		"how often the metrics file is rewritten", NULL, false},
	{"user", CONF_STRING, "", "NAME", 0, 0, NULL, NULL, OFF(user),
		"after start-up, run as this user with no capabilities", check_user, true},
	{"process-events", CONF_BOOL, "true", NULL, 0, 0, NULL, NULL, OFF(process_events),
		"capture process execs and exits (false: text inputs only)", NULL, true},
	{"enable-process-cred", CONF_BOOL, "false", NULL, 0, 0, NULL, NULL,
		OFF(enable_process_cred),
		"process_credentials, cap and binary_properties in process events, as Tetragon's",
		NULL, true},
	{"enable-process-ns", CONF_BOOL, "false", NULL, 0, 0, NULL, NULL, OFF(enable_process_ns),
		"namespaces (ns) of each process in process events, as Tetragon's", NULL, true},
	{"enable-process-environment-variables", CONF_BOOL, "false", NULL, 0, 0, NULL, NULL,
		OFF(enable_process_environment_variables),
		"environment_variables of each process in process events, as Tetragon's (secrets!)",
		NULL, true},
	{"filter-environment-variables", CONF_LIST, "", "NAME[,...]", 0, 0, NULL, NULL,
		OFF(filter_environment_variables),
		"keep only these environment variables, by exact name (\"\" = all)", NULL, true},
	{"enable-ancestors", CONF_LIST, "", "TYPE[,...]", 0, 0, NULL, NULL, OFF(enable_ancestors),
		"ancestors on process_exec and process_exit: base (Tetragon's types; \"\" = off)",
		check_ancestors, true},
	{"username-metadata", CONF_NAME, "disabled", "MODE", 0, 0, username_from_name,
		"disabled, unix", OFF(username_metadata),
		"process.user.name from /etc/passwd for host processes (unix)", NULL, true},
	{"input-unix", CONF_STRING, "", "PATH", 0, 0, NULL, NULL, OFF(input_unix),
		"also read syslog messages from a unix datagram socket, like /dev/log", NULL, true},
	{"input-stdin", CONF_BOOL, "false", NULL, 0, 0, NULL, NULL, OFF(input_stdin),
		"also read messages, one per line, from standard input; exit at its end", NULL,
		true},
	{"rulebase", CONF_STRING, "", "FILE", 0, 0, NULL, NULL, OFF(rulebase),
		"liblognorm rulebase that turns text messages into JSON fields (implies "
		"--text-format json)",
		NULL, true},
	{"text-format", CONF_NAME, "relay", "FORMAT", 0, 0, text_format_from_name, "relay, json",
		OFF(text_format),
		"text messages: relayed as the syslog messages they are, or JSON documents", NULL,
		true},
	{"input-unix-replace-symlink", CONF_BOOL, "false", NULL, 0, 0, NULL, NULL,
		OFF(input_unix_replace_symlink),
		"replace a symbolic link at --input-unix (systemd's /dev/log) with the socket",
		NULL, true},
	{"input-unix-queue", CONF_INT, "0", "N", 0, 1 << 20, NULL, NULL, OFF(input_unix_queue),
		"datagrams the kernel queues on --input-unix before senders block (0: "
		"net.unix.max_dgram_qlen)",
		NULL, true},
	{"input-unix-coalesce-us", CONF_INT, "1000", "MICROSECONDS", 0, 10000, NULL, NULL,
		OFF(input_unix_coalesce_us),
		"after relaying a trickle, wait this long for more to share a wake-up (0: never)",
		NULL, false},
	{"input-unix-pid-from-system", CONF_BOOL, "true", NULL, 0, 0, NULL, NULL,
		OFF(input_unix_pid_from_system),
		"PID of local messages from the kernel's credentials, not from the sender's text",
		NULL, true},
	{"input-ratelimit-interval", CONF_INT, "0", "SECONDS", 0, 86400, NULL, NULL,
		OFF(input_ratelimit_interval),
		"rate-limit window per sending process on --input-unix (0: no limit)", NULL, true},
	{"input-ratelimit-burst", CONF_INT, "200", "N", 1, 1 << 30, NULL, NULL,
		OFF(input_ratelimit_burst), "messages per window and process before drops", NULL,
		true},
};

const size_t conf_noptions = sizeof(conf_options) / sizeof(conf_options[0]);

_Static_assert(sizeof(((struct conf *)0)->origin) >= sizeof(conf_options) / sizeof(conf_options[0]),
	"struct conf: origin[] is smaller than the option table");
