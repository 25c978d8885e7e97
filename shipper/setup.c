/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration -> running objects, at start, on SIGHUP and at stop; see setup.h. */
#include "shipper/setup.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "shipper/admit/filters.h"
#include "shipper/admit/ratelimit.h"
#include "shipper/capture/proc_cache.h"
#include "shipper/capture/procfs.h"
#include "shipper/capture/procevents.h"
#include "shipper/capture/sensor.h"
#include "shipper/conf/conf_yaml.h"
#include "shipper/encode/event_json.h"
#include "shipper/loop.h"
#include "shipper/out/export_file.h"
#include "shipper/out/hostport.h"
#include "shipper/out/resolver.h"
#include "shipper/out/udp.h"
#include "shipper/stats_read.h"
#include "shipper/sys/fsafe.h"
#include "shipper/sys/clock.h"
#include "shipper/sys/log.h"
#include "shipper/sys/notify.h"
#include "shipper/sys/privs.h"
#include "shipper/sys/sandbox.h"
#include "shipper/text/lines.h"

#define MAX_DESTS 64
/* At start, names get this long (in all) to resolve before the first connect goes on
 * without them; in the loop, never a wait. */
#define START_RESOLVE_MS 2000

void setup_usage_error(const char *msg)
{
	fprintf(stderr, "%sprocship: %s\n", log_prefix(LOG_LEVEL_ERROR), msg);
	exit(SETUP_EXIT_USAGE);
}

/* Tetragon's rule: HUBBLE_NODE_NAME, else NODE_NAME, else the host name. */
static void node_name(char *buf, size_t size)
{
	const char *env = getenv("HUBBLE_NODE_NAME");

	if (!env || !env[0])
		env = getenv("NODE_NAME");
	if (env && env[0]) {
		snprintf(buf, size, "%s", env);
		return;
	}
	if (gethostname(buf, size) == -1 || !buf[0])
		snprintf(buf, size, "localhost");
	buf[size - 1] = '\0';
}

/* Options each valid alone that cannot work together. A bare "@cee:{...}" has no header, so
 * rsyslog takes "@cee:" for its TAG and mmjsonparse never sees the cookie. */
static int check_combinations(const struct conf *c, char *err, size_t errlen)
{
	if (c->cee_cookie && c->syslog_format == FRAMING_JSON) {
		snprintf(err, errlen,
			"--cee-cookie: not with --syslog-format json (a receiver reads \"@cee:\" "
			"as the TAG of a message without a header); use rfc3164 or rfc5424");
		return -1;
	}
	if (conf_ancestors_other(c) && !conf_ancestors_base(c)) {
		snprintf(err, errlen,
			"--enable-ancestors: kprobe, tracepoint, loader, uprobe, lsm and usdt need "
			"base, as in Tetragon (procship has only base's process_exec and "
			"process_exit)");
		return -1;
	}
	return 0;
}

int setup_conf(struct conf *c, int argc, char **argv, char *err, size_t errlen, char *warn,
	size_t warnlen, enum conf_parse_result *result)
{
	const char *path = conf_config_file_arg(argc, argv);

	conf_defaults(c);
	warn[0] = '\0';
	*result = CONF_OK;
	for (int i = 1; i < argc; i++) {
		/* --help and --version answer even when the file is broken. */
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			*result = CONF_HELP;
		else if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V"))
			*result = CONF_VERSION;
	}
	if (*result != CONF_OK)
		return 0;
	if (path && conf_load_yaml(c, path, err, errlen, warn, warnlen) != 0)
		return -1;
	*result = conf_parse_args(c, argc, argv, err, errlen);
	if (*result == CONF_ERROR)
		return -1;
	return check_combinations(c, err, errlen);
}

/* run: the running process's configuration, whose enrichments a reload cannot turn on. */
static struct filters *open_filters(
	const struct conf *c, const struct conf *run, char *err, size_t errlen)
{
	char why[512];
	struct filters *f;

	if (!c->export_allowlist[0] && !c->export_denylist[0])
		return NULL;
	f = filters_new(c->export_allowlist, c->export_denylist, why, sizeof(why));
	if (!f) {
		snprintf(err, errlen, "--export-allowlist/--export-denylist: %s", why);
	} else if (setup_enrich_filters_unmet(f, c, run, err, errlen)) {
		filters_free(f);
		f = NULL;
	} else if (filters_interpreted(f))
		log_info("filters: no PCRE2 JIT here (MemoryDenyWriteExecute=yes refuses it): "
			 "regexes run in the interpreter, under the same limits");
	return f;
}

static void on_udp_log(void *arg, enum udp_log_level level, const char *msg)
{
	(void)arg;
	if (level == UDP_LOG_WARN)
		log_warnx("%s", msg);
	else if (level == UDP_LOG_INFO)
		log_info("%s", msg);
	else
		log_debug("%s", msg);
}

/* The whole failover list, in order, as the output understood it. */
static void log_udp_start(
	const struct udp_output *u, const struct conf *c, const struct hostport *dests, size_t n)
{
	char list[1024];
	size_t i, o = 0;

	list[0] = '\0';
	for (i = 0; i < n && o < sizeof(list); i++) {
		if (i > 0)
			o += (size_t)snprintf(list + o, sizeof(list) - o, ",");
		if (o >= sizeof(list))
			break;
		o += hostport_format(list + o, sizeof(list) - o, dests[i].host, dests[i].port);
	}
	log_info("Starting UDP exporter address=%s format=%s buffer=%d destinations=%zu "
		 "failover=%s",
		udp_current_peer(u), framing_format_name(c->syslog_format),
		udp_get_stats(u)->sndbuf_effective, n, list);
}

/* NULL and a message in err when the addresses or the socket set-up are refused. */
static struct udp_output *open_udp(struct daemon *d, const struct conf *c, char *err, size_t errlen)
{
	struct hostport dests[MAX_DESTS];
	struct udp_config cfg = {0};
	struct udp_output *u;
	char why[512];
	size_t i, n = 0;

	for (i = 0; i < c->udp_output_address.n; i++) {
		int ret = hostport_parse_list(c->udp_output_address.v[i],
			(uint16_t)c->udp_output_port, dests + n, MAX_DESTS - n, why, sizeof(why));

		if (ret < 0) {
			snprintf(err, errlen, "--udp-output-address: %s", why);
			return NULL;
		}
		n += (size_t)ret;
	}
	cfg.dests = dests;
	cfg.ndests = n;
	cfg.sndbuf = (int)c->udp_buffer_size;
	cfg.local_port = (uint16_t)c->udp_local_port;
	cfg.reconnect_interval = (int)c->udp_reconnect_interval;
	cfg.max_message = (size_t)c->max_message_size;
	cfg.log = on_udp_log;
	cfg.greeting = pipe_greeting;
	/* pipe_frame numbers agent_init as it numbers everything else (set_header's rule). */
	cfg.number_greeting = c->syslog_meta && c->syslog_format == FRAMING_RFC5424;
	cfg.cb_arg = &d->pipe;
	u = udp_new(&cfg, why, sizeof(why));
	if (!u) {
		snprintf(err, errlen, "udp output: %s", why);
		return NULL;
	}
	log_udp_start(u, c, dests, n);
	return u;
}

/* Connects (or schedules the retry) and so sends agent_init first, before any event. */
static void start_udp(struct daemon *d, struct udp_output *u)
{
	d->pipe.udp = u;
	udp_flush(u);
}

/* *uid: the account the files belong to. */
static struct export_file *open_export(const struct conf *c, uid_t *uid, char *err, size_t errlen)
{
	struct export_config cfg = {
		.path = c->export_filename,
		.max_size = (uint64_t)c->export_file_max_size_mb << 20,
		.max_backups = (unsigned int)c->export_file_max_backups,
		.compress = c->export_file_compress,
	};
	char why[512];
	struct export_file *ef;

	*uid = geteuid();
	/* Without UDP or a file, events go to standard output, one per line. */
	if (!cfg.path[0]) {
		if (c->udp_output_enabled)
			return NULL;
		cfg.path = "-";
	}
	/* The files belong to the account that writes them after the drop. */
	if (c->user[0]) {
		const struct passwd *pw = getpwnam(c->user);

		if (!pw) {
			snprintf(err, errlen, "--user: unknown user '%s'", c->user);
			return NULL;
		}
		cfg.set_owner = true;
		cfg.uid = pw->pw_uid;
		cfg.gid = pw->pw_gid;
	}
	*uid = cfg.set_owner ? cfg.uid : geteuid();
	ef = export_open(&cfg, why, sizeof(why));
	if (!ef)
		snprintf(err, errlen, "--export-filename: %s", why);
	else if (export_warning(ef)[0])
		log_warnx("--export-filename %s: %s", c->export_filename, export_warning(ef));
	return ef;
}

/* procship's own header and the room it leaves: set at start and after each reload. */
static void set_header(struct daemon *d)
{
	struct pipeline *p = &d->pipe;

	p->format = (enum framing_format)d->conf.syslog_format;
	p->hdr.facility = d->conf.syslog_facility;
	p->hdr.severity = d->conf.syslog_severity;
	p->hdr.hostname = d->conf.hostname[0] ? d->conf.hostname : d->node;
	p->hdr.app_name = d->conf.syslog_app_name;
	p->hdr.procid = d->procid;
	p->hdr.cee = d->conf.cee_cookie;
	p->hdr.time3164 = (enum framing_3164_time)d->conf.syslog_timestamp;
	p->meta = d->conf.syslog_meta && p->format == FRAMING_RFC5424;
	p->udp_buffer_size = (int)d->conf.udp_buffer_size;
}

static size_t payload_budget(struct daemon *d)
{
	return d->conf.udp_output_enabled ? pipe_payload_budget(&d->pipe) : 0;
}

/* lines shortens its own document to fit, so the framer never cuts JSON; its MSGID may be
 * up to 32 bytes, longer than the one the budget was measured with. */
static void set_budgets(struct daemon *d)
{
	ejson_set_max_len(d->pipe.ej, payload_budget(d));
	if (d->pipe.lines && d->conf.udp_output_enabled)
		lines_set_max_payload(d->pipe.lines, payload_budget(d) - FRAMING_MSGID_MAX);
}

/* Whoever can write a rulebase decides what procship makes of the host's logs. */
void setup_warn_unsafe_file(const char *what, const char *path)
{
	struct stat st;
	char why[256];

	if (stat(path, &st) == -1)
		return; /* the module that opens it says why it cannot */
	if (fsafe_unsafe(&st, geteuid(), why, sizeof(why)))
		log_warnx("%s %s: %s", what, path, why);
}

/* Everything the user can get wrong is checked before BPF is loaded: exit status 2. */
static void open_admission_and_outputs(struct daemon *d, struct udp_output **udp)
{
	char err[700];
	uid_t owner;

	err[0] = '\0';
	d->pipe.filters = open_filters(&d->conf, &d->conf, err, sizeof(err));
	if (!d->pipe.filters && err[0])
		setup_usage_error(err);
	d->pipe.ratelimit = ratelimit_new(
		d->conf.export_rate_limit, (uint64_t)clock_ns(CLOCK_MONOTONIC), err, sizeof(err));
	if (!d->pipe.ratelimit)
		setup_usage_error(err);
	/* In the option's range, which the module accepts. */
	ratelimit_set_per_uid(d->pipe.ratelimit, d->conf.export_rate_limit_per_uid,
		(uint64_t)clock_ns(CLOCK_MONOTONIC));
	err[0] = '\0';
	d->pipe.export = open_export(&d->conf, &owner, err, sizeof(err));
	if (!d->pipe.export && err[0])
		fatalx("%s", err);
	if (stats_open_metrics(d, owner, err, sizeof(err)) != 0)
		fatalx("--metrics-file: %s", err);
	*udp = NULL;
	if (d->conf.udp_output_enabled) {
		*udp = open_udp(d, &d->conf, err, sizeof(err));
		if (!*udp)
			fatalx("%s", err);
	}
}

static void open_loop(struct daemon *d)
{
	sigset_t mask;

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd == -1)
		fatal("start-up");
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		fatal("sigprocmask");
	d->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->sfd == -1 || d->tfd == -1)
		fatal("event loop set-up");
}

static void on_libbpf_line(const char *line)
{
	log_debug("%s", line);
}

static void sensor_conf(struct daemon *d, struct sensor_config *scfg)
{
	memset(scfg, 0, sizeof(*scfg));
	scfg->enrich = setup_enrich_bits(d);
	scfg->cb = pev_record;
	scfg->cb_arg = d->pev;
	scfg->ringbuf_bytes = (size_t)d->conf.ringbuf_size;
	scfg->poll_us = (uint32_t)d->conf.ringbuf_poll_us;
	scfg->btf_path = d->conf.btf;
	/* The loader's lines (and its RLIMIT_MEMLOCK advice) help a developer, not an operator. */
	if (log_get_level() >= LOG_LEVEL_DEBUG)
		scfg->libbpf_log = on_libbpf_line;
}

/* A host that cannot run the sensor (no BTF, no privileges) will not change by restarting:
 * its own exit status, which the unit's RestartPreventExitStatus= names. */
static void check_capture(struct daemon *d)
{
	struct sensor_config scfg;
	enum sensor_lack lack;
	char err[700];

	sensor_conf(d, &scfg);
	if (d->conf.process_events && sensor_check(&scfg, &lack, err, sizeof(err)) != 0)
		fatalx_status(SETUP_EXIT_HOST, "%s%s",
			lack == SENSOR_LACK_BTF_FILE ? "--btf: " : "", err);
}

/* The metrics module's message starts with its name; the option says more. */
static void check_metrics(struct daemon *d)
{
	char err[512];

	if (stats_write_metrics_now(d, err, sizeof(err)) != 0)
		fatalx("--metrics-file: %s", strncmp(err, "metrics: ", 9) == 0 ? err + 9 : err);
}

static void start_capture(struct daemon *d)
{
	struct sensor_config scfg;
	char err[700];

	sensor_conf(d, &scfg);
	scfg.cgroup1_subsys = procfs_cgroup1_subsys("/proc", "/sys/fs/cgroup");
	d->sensor = sensor_open(&scfg, err, sizeof(err));
	if (!d->sensor)
		fatalx("%s", err);
	setup_enrich_capture(d);
	loop_watch(d, sensor_fd(d->sensor), "ring buffer");
}

/* Attached first, then scanned: a process that starts in between is seen twice, never
 * missed, and the exec record simply replaces the scanned entry. The scan's procFS events
 * go out like any other, so the outputs are up by now (and agent_init is first). */
static void scan_proc(struct daemon *d)
{
	struct procfs_result res;
	int scanned = procfs_scan_ext("/proc", setup_enrich_bits(d), pev_record, d->pev, &res);

	if (scanned < 0)
		log_warnx("scan /proc: %s", strerror(-scanned));
	else if (res.no_exe)
		log_warnx("scan /proc: %d process(es) with no readable exe (first: /proc/%u/exe), "
			  "reported with an empty binary as Tetragon does",
			res.no_exe, res.first_no_exe);
}

/* Nothing after the /proc scan needs root, but a low local port binds again on reconnects. */
static void drop_privileges(struct daemon *d)
{
	char err[700];
	long port = d->conf.udp_output_enabled ? d->conf.udp_local_port : 0;

	if (privs_nice((int)d->conf.nice, err, sizeof(err)) != 0)
		log_warnx("%s", err);
	if (privs_realtime((int)d->conf.realtime_priority, err, sizeof(err)) != 0)
		fatalx("--realtime-priority %ld: %s", d->conf.realtime_priority, err);
	if (privs_drop_keep(d->conf.user[0] ? d->conf.user : NULL,
		    port > 0 && port < 1024 ? PRIVS_KEEP_NET_BIND_SERVICE : 0, err,
		    sizeof(err)) != 0)
		fatalx("%s", err);
}

/* Last of start-up: from here on only the allowlist's system calls, in every thread. */
static void install_sandbox(struct daemon *d)
{
	enum sandbox_mode mode = (enum sandbox_mode)d->conf.seccomp;
	char err[256];

	if (sandbox_install(mode, err, sizeof(err)) != 0)
		fatalx("--seccomp %s: %s", sandbox_mode_name(mode), err);
	if (mode != SANDBOX_OFF)
		log_info("seccomp: system-call allowlist installed (--seccomp %s)",
			sandbox_mode_name(mode));
}

/* The resolver's threads start only now, with none of the privileges (a thread's own); the
 * names queued at start get a bounded wait, then the output connects without them. */
static void release_resolver(struct daemon *d)
{
	int rc = resolv_release(clock_ns(CLOCK_MONOTONIC) / 1000000 + START_RESOLVE_MS);

	resolv_set_wait_until(0);
	if (rc == -EINPROGRESS)
		log_warnx("udp: some destination names are not answered after %d ms; starting "
			  "without them, they connect once they resolve",
			START_RESOLVE_MS);
	else if (rc < 0)
		log_warnx("udp: no resolver thread (%s): names resolve in the event loop",
			strerror(-rc));
	if (d->pipe.udp)
		udp_tick(d->pipe.udp);
}

void setup_start(struct daemon *d)
{
	struct itimerspec its = {{1, 0}, {1, 0}};
	struct udp_output *udp;
	struct pipeline *p = &d->pipe;
	char status[512], err[256];

	node_name(d->node, sizeof(d->node));
	snprintf(d->procid, sizeof(d->procid), "%d", (int)getpid());
	if (pipe_init(p, (size_t)d->conf.max_message_size) != 0)
		fatal("start-up");
	p->node = d->node;
	set_header(d);
	open_loop(d);
	resolv_hold();
	open_admission_and_outputs(d, &udp);
	d->cache = pcache_new(d->node);
	p->ej = ejson_new(d->node, clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME));
	d->pev = pev_new(d->cache, pipe_process, p);
	if (!d->cache || !p->ej || !d->pev)
		fatal("start-up");
	setup_enrich_start(d);
	if (d->conf.udp_output_enabled && payload_budget(d) <= FRAMING_MSGID_MAX)
		setup_usage_error(
			"--max-message-size: too small for the syslog header and a message");
	if (d->conf.udp_output_enabled && pipe_docs_fit(p, err, sizeof(err)) != 0)
		setup_usage_error(err);
	set_budgets(d);
	/* As the export file: a metrics path that cannot be written is found before BPF is
	 * loaded, not a minute after. */
	check_metrics(d);
	check_capture(d);
	if (d->conf.process_events)
		start_capture(d);
	/* agent_init goes out once the programs are attached: from then on, nothing that
	 * happens on the host is missed. */
	if (udp)
		start_udp(d, udp);
	/* The scan reads every /proc/PID/exe, so it runs with privileges; its events go out once
	 * the resolver (started without them) can name the destinations. */
	if (d->sensor) {
		pev_hold(d->pev);
		scan_proc(d);
	}
	setup_inputs_start(d);
	set_budgets(d);
	drop_privileges(d);
	release_resolver(d);
	pev_release(d->pev);
	if (timerfd_settime(d->tfd, 0, &its, NULL) == -1)
		fatal("timerfd_settime");
	loop_watch(d, d->sfd, "signalfd");
	loop_watch(d, d->tfd, "timerfd");
	/* Again as the user procship runs as from here on: it must be able to write there. */
	check_metrics(d);
	install_sandbox(d);
	snprintf(status, sizeof(status), "ready: %zu processes in cache, node %s, output %s%s%s",
		pcache_count(d->cache), d->node, p->udp ? "udp" : "",
		p->udp && p->export ? "+" : "",
		p->export ? (strcmp(d->conf.export_filename, "") ? "file" : "stdout") : "");
	log_info("%s", status);
	/* BPF is attached and agent_init has been handed to the socket: systemd may order
	 * what needs every exec recorded after us. */
	notify_ready(status);
}

static bool export_changed(const struct conf *a, const struct conf *b)
{
	return strcmp(a->export_filename, b->export_filename) != 0 ||
	       a->export_file_max_size_mb != b->export_file_max_size_mb ||
	       a->export_file_max_backups != b->export_file_max_backups ||
	       a->export_file_compress != b->export_file_compress;
}

/* What a reload builds before it swaps anything: all of it, or nothing. */
struct rebuilt {
	struct filters *filters;
	struct udp_output *udp;
	struct export_file *export;
	bool new_export;
	const struct conf_option *restart[64]; /* changed, but read at start only */
	size_t nrestart;
};

static void note_restart(void *arg, const struct conf_option *o)
{
	struct rebuilt *r = arg;

	if (r->nrestart < sizeof(r->restart) / sizeof(r->restart[0]))
		r->restart[r->nrestart++] = o;
}

static int rebuild(struct daemon *d, struct conf *nc, struct rebuilt *r, char *err, size_t len)
{
	uid_t owner;

	memset(r, 0, sizeof(*r));
	err[0] = '\0';
	r->filters = open_filters(nc, &d->conf, err, len);
	if (!r->filters && err[0])
		return -1;
	if (conf_keep_restart(nc, &d->conf, note_restart, r) != 0) {
		snprintf(err, len, "out of memory");
		goto fail;
	}
	if (nc->udp_output_enabled) {
		r->udp = open_udp(d, nc, err, len);
		if (!r->udp)
			goto fail;
	}
	if (export_changed(nc, &d->conf)) {
		r->new_export = true;
		r->export = open_export(nc, &owner, err, len);
		if (!r->export && err[0])
			goto fail;
	}
	return 0;
fail:
	udp_free(r->udp);
	filters_free(r->filters);
	return -1;
}

static void apply_conf(struct daemon *d, struct conf *nc)
{
	char err[256];

	/* Setting a rate refills the bucket: only when it changed, or each HUP lets a burst by. */
	if (nc->export_rate_limit != d->conf.export_rate_limit &&
		ratelimit_set_rate(d->pipe.ratelimit, nc->export_rate_limit,
			(uint64_t)clock_ns(CLOCK_MONOTONIC)) != 0)
		log_warnx("reload: --export-rate-limit %ld refused", nc->export_rate_limit);
	if (nc->export_rate_limit_per_uid != d->conf.export_rate_limit_per_uid &&
		ratelimit_set_per_uid(d->pipe.ratelimit, nc->export_rate_limit_per_uid,
			(uint64_t)clock_ns(CLOCK_MONOTONIC)) != 0)
		log_warnx("reload: --export-rate-limit-per-uid %ld refused",
			nc->export_rate_limit_per_uid);
	conf_free(&d->conf);
	d->conf = *nc;
	log_set_level((enum log_level)d->conf.log_level);
	log_to_syslog(d->conf.log_syslog);
	set_header(d);
	/* A new header (format, host name, app-name) leaves a different room for the JSON. */
	if (d->conf.udp_output_enabled && payload_budget(d) <= FRAMING_MSGID_MAX)
		log_warnx("reload: the new syslog header leaves no room in --max-message-size %ld",
			d->conf.max_message_size);
	else
		set_budgets(d);
	if (d->conf.udp_output_enabled && pipe_docs_fit(&d->pipe, err, sizeof(err)) != 0)
		log_warnx("reload: %s; agent_init is not sent", err);
}

/* The reason goes to the log, to systemd's STATUS= and, through the caller, to `procship
 * reload`: the running configuration is kept. */
static int refuse_reload(struct conf *nc, const char *err)
{
	char status[800];

	log_warnx("reload: %s; keeping the running configuration", err);
	snprintf(status, sizeof(status), "reload refused: %s; running configuration kept", err);
	notify_ready(status);
	conf_free(nc);
	return -1;
}

int setup_reload(struct daemon *d)
{
	struct conf nc;
	enum conf_parse_result result;
	struct rebuilt r;
	char err[700], warn[512], status[512];
	size_t i;
	int ret;

	notify_reloading();
	stats_log_summary(d);
	if (setup_conf(&nc, d->argc, d->argv, err, sizeof(err), warn, sizeof(warn), &result) != 0)
		return refuse_reload(&nc, err);
	if (warn[0])
		log_warnx("%s", warn);
	if (rebuild(d, &nc, &r, err, sizeof(err)) != 0)
		return refuse_reload(&nc, err);
	if (r.new_export) {
		export_free(d->pipe.export);
		d->pipe.export = r.export;
	} else if (d->pipe.export && (ret = export_reopen(d->pipe.export)) != 0) {
		log_warnx("reload: reopen the export file %s: %s; writing on to the open one",
			d->conf.export_filename,
			ret == -ELOOP ? "a symbolic link, refused" : strerror(-ret));
	}
	for (i = 0; i < r.nrestart; i++)
		log_warnx("reload: --%s takes effect at the next start", r.restart[i]->name);
	filters_free(d->pipe.filters);
	d->pipe.filters = r.filters;
	apply_conf(d, &nc);
	setup_enrich_reload(d);
	if (r.udp) {
		udp_continue_sequences(r.udp, d->pipe.udp);
		stats_retire_udp(d);
		start_udp(d, r.udp);
	}
	log_info("reload: configuration read again");
	stats_status(d, status, sizeof(status));
	notify_ready(status);
	return 0;
}

void setup_stop(struct daemon *d)
{
	notify_stopping();
	if (d->sensor)
		sensor_drain(d->sensor, clock_ns(CLOCK_MONOTONIC));
	pipe_last_report(&d->pipe);
	pipe_flush(&d->pipe);
	stats_check_ringbuf(d);
	stats_check_export(d);
	/* Closed before the summary: refusals of the last datagrams count in it. */
	if (d->pipe.udp)
		stats_retire_udp(d);
	stats_log_summary(d);
	stats_write_metrics(d);
	metrics_file_free(d->metrics);
	export_free(d->pipe.export);
	sensor_free(d->sensor);
	setup_inputs_stop(d);
	setup_enrich_stop(d);
	pev_free(d->pev);
	ejson_free(d->pipe.ej);
	pcache_free(d->cache);
	filters_free(d->pipe.filters);
	ratelimit_free(d->pipe.ratelimit);
	pipe_fini(&d->pipe);
	conf_free(&d->conf);
	close(d->epfd);
	close(d->tfd);
	close(d->sfd);
}
