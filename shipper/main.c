/* procship: wires the sensor, the process cache, the encoder, framing and the outputs around
 * one epoll loop. Policy lives in the modules; this file only connects them. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <syslog.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "framing/framing.h"
#include "shipper/encode/docs_json.h"
#include "shipper/conf/conf.h"
#include "shipper/conf/conf_yaml.h"
#include "shipper/encode/event_json.h"
#include "shipper/out/export_file.h"
#include "shipper/admit/filters.h"
#include "shipper/getevents.h"
#include "shipper/text/inputs.h"
#include "shipper/text/lines.h"
#include "shipper/sys/log.h"
#include "shipper/out/metrics.h"
#include "shipper/out/udp.h"
#include "shipper/sys/privs.h"
#include "shipper/capture/proc_cache.h"
#include "shipper/capture/procevents.h"
#include "shipper/admit/ratelimit.h"
#include "shipper/capture/sensor.h"

#define HOUSEKEEPING_SECONDS 60
#define MAX_DESTS	     64
#define PEER_MAX	     (NI_MAXHOST + 16)

struct app {
	struct conf conf;
	int argc;
	char **argv;
	char node[256];
	char procid[16];

	/* Outputs: UDP, and a JSON-lines file (standard output by default). */
	struct udp_output *udp;
	struct udp_stats udp_before; /* outputs replaced by reloads: counters keep counting */
	struct dest_total {
		char name[PEER_MAX];
		struct udp_dest_stats st;
	} dest_before[MAX_DESTS]; /* the same, per destination name */
	size_t ndest_before;
	struct export_file *export;
	char peer[PEER_MAX];
	char agent_init[2048];
	int agent_init_len;
	char agent_init_peer[PEER_MAX];
	char *frame; /* measuring the syslog header (payload_budget) */
	struct framing_header hdr;

	/* What decides whether an event is exported. */
	struct filters *filters;
	struct ratelimit *ratelimit;

	/* Text inputs. */
	struct lines *lines;
	struct input_unix *in_unix;
	struct input_stdin *in_stdin;
	bool stdin_polled;
	uint64_t lines_dropped;

	struct sensor *sensor; /* NULL with --process-events=false */
	struct pcache *cache;
	struct ejson *ej;
	struct pev *pev;

	uint64_t events; /* encoded and handed to the outputs */
	uint64_t filtered;
	uint64_t truncated; /* cut by the framer */
	uint64_t frame_errors;
	uint64_t ringbuf_drops[4];

	int epfd;
	int sfd;
	int tfd; /* once a second: retries, counters, housekeeping */
	unsigned int seconds;
	unsigned int metrics_warned; /* a->seconds when a metrics failure was last logged */
	bool running;
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
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

static void usage_error(const char *msg)
{
	fprintf(stderr, "procship: %s\n", msg);
	exit(2);
}

/* The first key of a document names its kind: {"process_exec":...} -> process_exec. */
static const char *msgid_of(const char *json, size_t len, char *buf, size_t size)
{
	size_t i, o = 0;

	if (len < 3 || json[0] != '{' || json[1] != '"')
		return NULL;
	for (i = 2; i < len && json[i] != '"' && o + 1 < size; i++)
		buf[o++] = json[i];
	buf[o] = '\0';
	return o ? buf : NULL;
}

/* ---- outputs ---------------------------------------------------------------------------- */

/* Framed straight into the output's batch: a long event is not copied a second time. */
static void send_framed(
	struct app *a, const struct framing_header *hdr, const char *json, size_t len)
{
	size_t max = (size_t)a->conf.max_message_size;
	bool truncated = false;
	char *frame = udp_reserve(a->udp, max);
	ssize_t n;

	if (!frame) {
		a->frame_errors++;
		return;
	}
	n = framing_build(frame, max, a->conf.syslog_format, hdr, json, len, &truncated);
	if (n < 0) {
		a->frame_errors++;
		return;
	}
	if (truncated)
		a->truncated++;
	udp_commit(a->udp, (size_t)n);
}

/* A copy of the header: reserving room may send agent_init first, with its own MSGID. */
static void send_udp(struct app *a, const char *json, size_t len, const char *msgid)
{
	struct framing_header hdr = a->hdr;

	clock_gettime(CLOCK_REALTIME, &hdr.time);
	hdr.msgid = msgid;
	send_framed(a, &hdr, json, len);
}

/* One document to every output. */
static void ship(struct app *a, const char *json, size_t len)
{
	char kind[32];

	a->events++;
	if (a->udp)
		send_udp(a, json, len, msgid_of(json, len, kind, sizeof(kind)));
	if (a->export)
		export_write(a->export, json, len);
}

/* The agent_init document for a->peer, built again only when the peer changed: its length,
 * or -errno. */
static int agent_init_doc(struct app *a)
{
	if (strcmp(a->agent_init_peer, a->peer) != 0 || a->agent_init_len <= 0) {
		struct agent_meta_info info = {
			.hostname = a->hdr.hostname,
			.udp_destination = a->peer,
			.udp_buffer_size = (int)a->conf.udp_buffer_size,
		};

		clock_gettime(CLOCK_REALTIME, &info.started);
		a->agent_init_len = agent_meta_build(&info, a->agent_init, sizeof(a->agent_init));
		snprintf(a->agent_init_peer, sizeof(a->agent_init_peer), "%s", a->peer);
		if (a->agent_init_len < 0) {
			log_warnx("agent_init: cannot build the document (%s)",
				strerror(-a->agent_init_len));
			return a->agent_init_len;
		}
	}
	return a->agent_init_len;
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

/* Every new target hears agent_init first: the output asks for it before it sends anything
 * to a newly connected target, and sends what we frame here into its buffer itself. */
static ssize_t agent_init_greeting(void *arg, const char *peer, char *buf, size_t size)
{
	struct app *a = arg;
	struct framing_header hdr = a->hdr;
	bool truncated = false;
	ssize_t n;
	int len;

	snprintf(a->peer, sizeof(a->peer), "%s", peer);
	len = agent_init_doc(a);
	if (len < 0)
		return len;
	clock_gettime(CLOCK_REALTIME, &hdr.time);
	hdr.msgid = "agent_init";
	n = framing_build(
		buf, size, a->conf.syslog_format, &hdr, a->agent_init, (size_t)len, &truncated);
	if (n < 0) {
		a->frame_errors++;
		return n;
	}
	if (truncated)
		a->truncated++;
	return n;
}

/* NULL and a message in err when the addresses or the socket set-up are refused. */
static struct udp_output *open_udp(struct app *a, const struct conf *c, char *err, size_t errlen)
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
	cfg.greeting = agent_init_greeting;
	cfg.cb_arg = a;
	u = udp_new(&cfg, why, sizeof(why));
	if (!u) {
		snprintf(err, errlen, "udp output: %s", why);
		return NULL;
	}
	{
		/* The whole failover list, in order, as the output understood it. */
		char list[1024];
		size_t o = 0;

		list[0] = '\0';
		for (i = 0; i < n && o < sizeof(list); i++) {
			if (i > 0)
				o += (size_t)snprintf(list + o, sizeof(list) - o, ",");
			if (o >= sizeof(list))
				break;
			o += hostport_format(
				list + o, sizeof(list) - o, dests[i].host, dests[i].port);
		}
		log_info("Starting UDP exporter address=%s format=%s buffer=%d destinations=%zu "
			 "failover=%s",
			udp_current_peer(u), framing_format_name(c->syslog_format),
			udp_get_stats(u)->sndbuf_effective, n, list);
	}
	return u;
}

/* Connects (or schedules the retry) and so sends agent_init first, before any event. */
static void start_udp(struct app *a, struct udp_output *u)
{
	a->udp = u;
	a->peer[0] = '\0';
	snprintf(a->peer, sizeof(a->peer), "%s", udp_current_peer(u));
	udp_flush(u);
}

static struct export_file *open_export(const struct conf *c, char *err, size_t errlen)
{
	struct export_config cfg = {
		.path = c->export_filename,
		.max_size = (uint64_t)c->export_file_max_size_mb << 20,
		.max_backups = (unsigned int)c->export_file_max_backups,
		.compress = c->export_file_compress,
	};
	char why[512];
	struct export_file *ef;

	/* Without UDP or a file, events go to standard output, one per line. */
	if (!cfg.path[0]) {
		if (c->udp_output_enabled)
			return NULL;
		cfg.path = "-";
	}
	ef = export_open(&cfg, why, sizeof(why));
	if (!ef)
		snprintf(err, errlen, "--export-filename: %s", why);
	return ef;
}

static void flush_outputs(struct app *a)
{
	if (a->udp)
		udp_flush(a->udp);
	if (a->export)
		export_flush(a->export);
}

/* What is left of --max-message-size for the JSON once the syslog header is written: header
 * lengths are fixed for a run but for MSGID, so measure with the longest one we use. */
static size_t payload_budget(struct app *a)
{
	bool truncated;
	ssize_t n;

	if (!a->conf.udp_output_enabled)
		return 0;
	a->hdr.msgid = "process_exec";
	clock_gettime(CLOCK_REALTIME, &a->hdr.time);
	n = framing_build(a->frame, (size_t)a->conf.max_message_size, a->conf.syslog_format,
		&a->hdr, "x", 1, &truncated);
	/* json framing has no header: the whole datagram is the payload. 0 when not even one
	 * byte fits after the header. */
	if (n < 1)
		return 0;
	return (size_t)a->conf.max_message_size - (size_t)(n - 1);
}

static void set_header(struct app *a)
{
	a->hdr.facility = a->conf.syslog_facility;
	a->hdr.severity = a->conf.syslog_severity;
	a->hdr.hostname = a->conf.hostname[0] ? a->conf.hostname : a->node;
	a->hdr.app_name = a->conf.syslog_app_name;
	a->hdr.procid = a->procid;
	a->hdr.cee = a->conf.cee_cookie;
}

/* ---- events ----------------------------------------------------------------------------- */

static void on_event(void *arg, const char *json, size_t len)
{
	ship(arg, json, len);
}

/* Filters, then the rate limit, before any encoding work is spent. */
static bool accept_event(void *arg, enum ps_event_type type, const struct pcache_proc *proc,
	const struct pcache_proc *parent)
{
	struct app *a = arg;

	if (a->filters &&
		!filters_pass(a->filters, type == PS_EVENT_EXEC ? FILTERS_EXEC : FILTERS_EXIT,
			proc->binary, parent ? parent->binary : NULL, proc->arguments, proc->pid,
			parent ? parent->pid : 0)) {
		a->filtered++;
		return false;
	}
	return ratelimit_allow(a->ratelimit, (uint64_t)clock_ns(CLOCK_MONOTONIC));
}

/* A text message keeps its own facility, severity, time and names on the way out. */
static void ship_text(struct app *a, const char *buf, size_t len, unsigned int in_flags)
{
	struct framing_header hdr;
	struct lines_msg m;

	if (lines_parse(a->lines, buf, len, in_flags, &m) != 0) {
		a->lines_dropped++; /* counted by reason in lines' stats too */
		return;
	}
	a->events++;
	if (a->udp) {
		/* A pre-encoded JSON line has no header of its own: it goes out as procship's
		 * own events do. Anything else keeps what its sender said. */
		hdr = a->hdr;
		hdr.time = m.time;
		hdr.msgid = m.msgid[0] ? m.msgid : NULL;
		if (m.form != LINES_FORM_JSON) {
			hdr.facility = m.facility;
			hdr.severity = m.severity;
			hdr.hostname = m.hostname[0] ? m.hostname : a->hdr.hostname;
			hdr.app_name = m.app_name[0] ? m.app_name : NULL;
			hdr.procid = m.procid[0] ? m.procid : NULL;
		}
		send_framed(a, &hdr, m.json, m.json_len);
	}
	if (a->export)
		export_write(a->export, m.json, m.json_len);
}

static void on_unix_msg(void *arg, const char *buf, size_t len, unsigned int flags)
{
	ship_text(arg, buf, len, flags & INPUT_F_TRUNCATED ? LINES_IN_TRUNCATED : 0);
}

/* Standard input may carry pre-encoded JSON events: those pass through unchanged. */
static void on_stdin_line(void *arg, const char *buf, size_t len, unsigned int flags)
{
	ship_text(arg, buf, len,
		LINES_IN_JSON | (flags & INPUT_F_TRUNCATED ? LINES_IN_TRUNCATED : 0));
}

#define STDIN_CHUNKS_PER_TURN 8

static void read_inputs(struct app *a)
{
	if (a->in_unix)
		input_unix_read(a->in_unix, 0, on_unix_msg, a);
	if (a->in_stdin && !input_stdin_eof(a->in_stdin)) {
		int k;

		/* Several chunks per turn, so that long lines still fill whole sendmmsg batches
		 * (one 64 KiB chunk holds only seven 9 KB lines); bounded so the other sources
		 * are served at least every 512 KiB. */
		for (k = 0; k < STDIN_CHUNKS_PER_TURN; k++)
			if (input_stdin_read(a->in_stdin, on_stdin_line, a) <= 0)
				break;
		if (input_stdin_eof(a->in_stdin)) {
			/* A pipe at its end stays readable for ever: stop watching it. */
			if (a->stdin_polled)
				epoll_ctl(
					a->epfd, EPOLL_CTL_DEL, input_stdin_fd(a->in_stdin), NULL);
			log_info("standard input ended: exiting");
			a->running = false;
		}
	}
}

static void send_rate_limit_info(struct app *a)
{
	char buf[512];
	uint64_t dropped;
	int n;

	if (!ratelimit_report_due(a->ratelimit, (uint64_t)clock_ns(CLOCK_MONOTONIC), &dropped))
		return;
	n = ratelimit_info_json(a->node, dropped, clock_ns(CLOCK_REALTIME), buf, sizeof(buf));
	if (n > 0)
		ship(a, buf, (size_t)n);
}

/* ---- counters --------------------------------------------------------------------------- */

/* An exit record lost to a full ring buffer would leave its entry in the cache for ever. */
static bool pid_alive(uint32_t pid, uint64_t ktime)
{
	(void)ktime;
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

static void check_ringbuf_drops(struct app *a)
{
	static const char *const names[4] = {"malformed", "exec", "exit", "fork"};
	uint64_t drops[4];
	int i;

	if (!a->sensor || sensor_drops(a->sensor, drops) != 0)
		return;
	for (i = 0; i < 4; i++) {
		if (drops[i] != a->ringbuf_drops[i])
			log_warnx("%" PRIu64 " %s records dropped (%s)",
				drops[i] - a->ringbuf_drops[i], names[i],
				i == 0 ? "short_record" : "ringbuf_full");
		a->ringbuf_drops[i] = drops[i];
	}
}

static void accumulate(struct udp_stats *t, const struct udp_stats *us)
{
	t->sent += us->sent;
	t->sent_bytes += us->sent_bytes;
	t->dropped += us->dropped;
	t->dropped_oversize += us->dropped_oversize;
	t->dropped_send_error += us->dropped_send_error;
	t->dropped_no_destination += us->dropped_no_destination;
	t->dropped_refused += us->dropped_refused;
	t->failovers += us->failovers;
	t->reconnects += us->reconnects;
	t->sndbuf_effective = us->sndbuf_effective;
}

/* Add st to the entry named name (appended when new; dropped when the table is full). */
static void dest_add(struct dest_total *t, size_t *n, size_t max, const char *name,
	const struct udp_dest_stats *st)
{
	size_t i;

	for (i = 0; i < *n && strcmp(t[i].name, name) != 0; i++)
		;
	if (i == *n) {
		if (*n == max)
			return;
		snprintf(t[i].name, sizeof(t[i].name), "%s", name);
		memset(&t[i].st, 0, sizeof(t[i].st));
		(*n)++;
	}
	t[i].st.sent += st->sent;
	t[i].st.send_errors += st->send_errors;
	t[i].st.dropped += st->dropped;
}

/* An output replaced or stopped: its final counters join those since start-up. */
static void retire_udp(struct app *a)
{
	struct udp_output *old = a->udp;
	struct udp_stats last;
	size_t i;

	a->udp = NULL;
	udp_close(old); /* flushes and takes in the last refusals: final only now */
	for (i = 0; i < udp_dest_count(old); i++) {
		const char *name;
		const struct udp_dest_stats *st = udp_get_dest_stats(old, i, &name);

		dest_add(a->dest_before, &a->ndest_before, MAX_DESTS, name, st);
	}
	udp_free_stats(old, &last);
	accumulate(&a->udp_before, &last);
}

/* The UDP counters since start, across the outputs that reloads replaced. */
static struct udp_stats udp_totals(const struct app *a)
{
	struct udp_stats t = a->udp_before;

	if (a->udp)
		accumulate(&t, udp_get_stats(a->udp));
	return t;
}

static void log_summary(struct app *a)
{
	const struct pev_stats *ps = pev_get_stats(a->pev);
	const struct ejson_stats *es = ejson_get_stats(a->ej);

	log_info("events: %" PRIu64 " exec, %" PRIu64 " exit, %" PRIu64 " fork; %" PRIu64
		 " exported, %" PRIu64 " filtered, %" PRIu64 " rate-limited, %" PRIu64
		 " shortened to fit, %" PRIu64 " cut by the framer, %" PRIu64 " cache misses",
		ps->execs, ps->exits, ps->forks, a->events, a->filtered,
		ratelimit_dropped(a->ratelimit), es->shortened, a->truncated,
		ps->parent_misses + ps->exit_misses);
	if (a->conf.udp_output_enabled) {
		struct udp_stats us;

		if (a->udp)
			udp_log_drop_summary(a->udp);
		us = udp_totals(a);
		log_info("udp: %" PRIu64 " sent, %" PRIu64 " dropped, %" PRIu64
			 " failovers; %" PRIu64
			 " of the dropped were refused by the receiving host",
			us.sent, us.dropped, us.failovers, us.dropped_refused);
	}
	if (a->lines) {
		const struct lines_stats *ls = lines_get_stats(a->lines);

		log_info("text: %" PRIu64 " messages, %" PRIu64 " normalized, %" PRIu64
			 " unparsed, %" PRIu64 " truncated, %" PRIu64 " dropped (%" PRIu64
			 " empty, %" PRIu64 " too long)",
			ls->messages, ls->normalized, ls->unparsed, ls->truncated, a->lines_dropped,
			ls->dropped_empty, ls->dropped_limit);
	}
	if (a->export) {
		const struct export_stats *xs = export_get_stats(a->export);

		if (xs->dropped)
			log_warnx("export file: %" PRIu64 " events lost to write errors (%s)",
				xs->dropped, strerror(xs->last_errno));
	}
}

static void write_metrics(struct app *a)
{
	struct metrics_counters c = {0};
	/* Static: with host names of up to NI_MAXHOST bytes, too large for the stack. */
	static struct dest_total totals[2 * MAX_DESTS];
	static struct metrics_dest dests[2 * MAX_DESTS];
	size_t ntotals = 0, i;
	char err[512];

	if (!a->conf.metrics_file[0])
		return;
	c.version = PROCSHIP_VERSION;
	c.commit = PROCSHIP_BUILD_COMMIT;
	c.ratelimit_dropped = ratelimit_dropped(a->ratelimit);
	c.drops[METRICS_DROP_ENCODE_ERROR] = pev_get_stats(a->pev)->encode_errors + a->frame_errors;
	c.drops[METRICS_DROP_FILTERED] = a->filtered;
	c.drops[METRICS_DROP_MALFORMED] = a->ringbuf_drops[0];
	c.ringbuf_lost[METRICS_RB_EXEC] = a->ringbuf_drops[PS_EVENT_EXEC];
	c.ringbuf_lost[METRICS_RB_EXIT] = a->ringbuf_drops[PS_EVENT_EXIT];
	c.ringbuf_lost[METRICS_RB_FORK] = a->ringbuf_drops[PS_EVENT_FORK];
	c.truncated_shortened = ejson_get_stats(a->ej)->shortened;
	c.truncated_cut = a->truncated;
	c.pcache_size = pcache_count(a->cache);
	if (a->conf.udp_output_enabled) {
		struct udp_stats us = udp_totals(a);

		c.exported = us.sent;
		c.exported_bytes = us.sent_bytes;
		c.drops[METRICS_DROP_SEND_ERROR] = us.dropped_send_error;
		c.drops[METRICS_DROP_NO_DESTINATION] = us.dropped_no_destination;
		c.drops[METRICS_DROP_OVERSIZE] = us.dropped_oversize;
		c.drops[METRICS_DROP_REFUSED] = us.dropped_refused;
		c.failovers = us.failovers;
		c.reconnects = us.reconnects;
		/* Every destination ever configured, each with what was sent to it. */
		for (i = 0; i < a->ndest_before; i++)
			dest_add(totals, &ntotals, 2 * MAX_DESTS, a->dest_before[i].name,
				&a->dest_before[i].st);
		for (i = 0; i < udp_dest_count(a->udp); i++) {
			const char *name;
			const struct udp_dest_stats *st = udp_get_dest_stats(a->udp, i, &name);

			dest_add(totals, &ntotals, 2 * MAX_DESTS, name, st);
		}
		for (i = 0; i < ntotals; i++) {
			dests[i].destination = totals[i].name;
			dests[i].sent = totals[i].st.sent;
			dests[i].send_errors = totals[i].st.send_errors;
			dests[i].dropped = totals[i].st.dropped;
		}
		c.dests = dests;
		c.ndests = ntotals;
	}
	if (a->export) {
		const struct export_stats *xs = export_get_stats(a->export);

		if (!a->conf.udp_output_enabled) {
			c.exported = xs->lines;
			c.exported_bytes = xs->bytes;
		}
		c.drops[METRICS_DROP_EXPORT_FILE] = xs->dropped;
		c.file_rotations = xs->rotations;
	}
	if (metrics_write_file(a->conf.metrics_file, &c, false, err, sizeof(err)) != 0 &&
		(a->metrics_warned == 0 || a->seconds - a->metrics_warned >= 60)) {
		/* A broken metrics path is worth one line a minute, not one per interval. */
		a->metrics_warned = a->seconds ? a->seconds : 1;
		log_warnx("metrics: %s", err);
	}
}

/* ---- configuration ---------------------------------------------------------------------- */

/* Defaults, then the file, then the command line over it. Returns 0 or -1 with err set. */
static int load_conf(struct conf *c, int argc, char **argv, char *err, size_t errlen, char *warn,
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
	return *result == CONF_ERROR ? -1 : 0;
}

static struct filters *open_filters(const struct conf *c, char *err, size_t errlen)
{
	char why[512];
	struct filters *f;

	if (!c->export_allowlist[0] && !c->export_denylist[0])
		return NULL;
	f = filters_new(c->export_allowlist, c->export_denylist, why, sizeof(why));
	if (!f)
		snprintf(err, errlen, "--export-allowlist/--export-denylist: %s", why);
	return f;
}

/* Options read once at start: changing them on SIGHUP is reported, not applied. */
static void note_restart_only(const struct conf *old, const struct conf *new)
{
	if (old->ringbuf_size != new->ringbuf_size)
		log_warnx("reload: --ring-buffer-size takes effect at the next start");
	if (old->max_message_size != new->max_message_size)
		log_warnx("reload: --max-message-size takes effect at the next start");
	if (old->udp_output_enabled != new->udp_output_enabled)
		log_warnx("reload: --udp-output-enabled takes effect at the next start");
	if (strcmp(old->user, new->user) != 0)
		log_warnx("reload: --user takes effect at the next start");
	if (old->process_events != new->process_events)
		log_warnx("reload: --process-events takes effect at the next start");
	if (strcmp(old->input_unix, new->input_unix) != 0 || old->input_stdin != new->input_stdin ||
		strcmp(old->rulebase, new->rulebase) != 0)
		log_warnx("reload: text inputs and --rulebase take effect at the next start");
}

/* SIGHUP: read the configuration again; a bad one keeps the running one. Names are resolved
 * again (the UDP output is rebuilt) and the export file is reopened (for log rotation). */
static void reload(struct app *a)
{
	struct conf nc;
	enum conf_parse_result result;
	struct filters *filters = NULL;
	struct udp_output *udp = NULL;
	struct export_file *export = NULL;
	char err[700], warn[512];

	log_summary(a);
	if (load_conf(&nc, a->argc, a->argv, err, sizeof(err), warn, sizeof(warn), &result) != 0) {
		log_warnx("reload: %s; keeping the running configuration", err);
		conf_free(&nc);
		return;
	}
	if (warn[0])
		log_warnx("%s", warn);
	err[0] = '\0';
	filters = open_filters(&nc, err, sizeof(err));
	if (!filters && err[0]) {
		log_warnx("reload: %s; keeping the running configuration", err);
		conf_free(&nc);
		return;
	}
	if (a->conf.udp_output_enabled) {
		nc.max_message_size = a->conf.max_message_size; /* the buffers are sized for it */
		udp = open_udp(a, &nc, err, sizeof(err));
		if (!udp) {
			log_warnx("reload: %s; keeping the running configuration", err);
			filters_free(filters);
			conf_free(&nc);
			return;
		}
	}
	if (strcmp(nc.export_filename, a->conf.export_filename) != 0 ||
		nc.export_file_max_size_mb != a->conf.export_file_max_size_mb ||
		nc.export_file_max_backups != a->conf.export_file_max_backups ||
		nc.export_file_compress != a->conf.export_file_compress) {
		export = open_export(&nc, err, sizeof(err));
		if (!export && err[0]) {
			log_warnx("reload: %s; keeping the running configuration", err);
			udp_free(udp);
			filters_free(filters);
			conf_free(&nc);
			return;
		}
		export_free(a->export);
		a->export = export;
	} else if (a->export && export_reopen(a->export) != 0) {
		log_warnx("reload: reopen the export file: %s", strerror(errno));
	}
	note_restart_only(&a->conf, &nc);
	nc.ringbuf_size = a->conf.ringbuf_size;
	nc.udp_output_enabled = a->conf.udp_output_enabled;
	filters_free(a->filters);
	a->filters = filters;
	/* Setting a rate refills the bucket: only when it changed, or each HUP lets a burst by. */
	if (nc.export_rate_limit != a->conf.export_rate_limit &&
		ratelimit_set_rate(a->ratelimit, nc.export_rate_limit,
			(uint64_t)clock_ns(CLOCK_MONOTONIC)) != 0)
		log_warnx("reload: --export-rate-limit %ld refused", nc.export_rate_limit);
	conf_free(&a->conf);
	a->conf = nc;
	log_set_level((enum log_level)a->conf.log_level);
	log_to_syslog(a->conf.log_syslog);
	set_header(a);
	/* A new header (format, host name, app-name) leaves a different room for the JSON. */
	if (a->conf.udp_output_enabled && payload_budget(a) > FRAMING_MSGID_MAX) {
		ejson_set_max_len(a->ej, payload_budget(a));
		if (a->lines)
			lines_set_max_payload(a->lines, payload_budget(a) - FRAMING_MSGID_MAX);
	} else if (a->conf.udp_output_enabled) {
		log_warnx("reload: the new syslog header leaves no room in --max-message-size %ld",
			a->conf.max_message_size);
	}
	if (udp) {
		retire_udp(a);
		start_udp(a, udp);
	}
	log_info("reload: configuration read again");
}

/* ---- the loop ---------------------------------------------------------------------------- */

/* Signals are read from the loop, never handled asynchronously. */
static void handle_signals(struct app *a)
{
	struct signalfd_siginfo si;

	while (read(a->sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload(a);
			break;
		case SIGUSR1:
			log_summary(a);
			break;
		default:
			log_info("signal %d: exiting", (int)si.ssi_signo);
			a->running = false;
		}
	}
}

static void housekeeping(struct app *a)
{
	size_t gone;

	if (!a->sensor)
		return;
	/* Drain first: a pending exit must not be mistaken for a lost one. */
	sensor_drain(a->sensor);
	gone = pcache_sweep(a->cache, pid_alive);
	if (gone)
		log_info("cache: %zu processes had exited unseen", gone);
	/* NTP may have stepped the wall clock since start. */
	ejson_set_boot_offset(a->ej, clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME));
}

static void handle_timer(struct app *a)
{
	uint64_t expirations;

	if (read(a->tfd, &expirations, sizeof(expirations)) <= 0)
		return;
	a->seconds++;
	if (a->udp)
		udp_tick(a->udp);
	check_ringbuf_drops(a);
	send_rate_limit_info(a);
	if (a->seconds % HOUSEKEEPING_SECONDS == 0)
		housekeeping(a);
	if (a->seconds % (unsigned int)a->conf.metrics_interval == 0)
		write_metrics(a);
}

static void epoll_add(int epfd, int fd, const char *what)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		fatal("epoll_ctl %s", what);
}

/* Whoever can write a rulebase decides what procship makes of the host's logs. */
static void warn_unsafe_file(const char *what, const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return; /* the module that opens it says why it cannot */
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		log_warnx("%s %s: unsafe permissions: writable by its %s (mode %04o)", what, path,
			st.st_mode & S_IWOTH ? "others" : "group",
			(unsigned int)(st.st_mode & 07777));
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		log_warnx("%s %s: unsafe permissions: owned by uid %u", what, path,
			(unsigned int)st.st_uid);
}

static void start_inputs(struct app *a, int epfd)
{
	char err[700];

	if (!a->conf.input_unix[0] && !a->conf.input_stdin) {
		if (a->conf.rulebase[0])
			log_warnx("--rulebase is used by text inputs only, and none is enabled");
		return;
	}
	if (a->conf.rulebase[0])
		warn_unsafe_file("--rulebase", a->conf.rulebase);
	a->lines =
		lines_new(a->conf.rulebase[0] ? a->conf.rulebase : NULL, a->node, err, sizeof(err));
	if (!a->lines)
		usage_error(err);
	/* lines shortens its own document to fit, so the framer never cuts JSON; its MSGID
	 * may be up to 32 bytes, longer than the one payload_budget measured with. */
	if (a->conf.udp_output_enabled)
		lines_set_max_payload(a->lines, payload_budget(a) - FRAMING_MSGID_MAX);
	if (a->conf.input_unix[0]) {
		a->in_unix = input_unix_new(a->conf.input_unix, 0, err, sizeof(err));
		if (!a->in_unix)
			fatalx("%s", err);
		epoll_add(epfd, input_unix_fd(a->in_unix), "unix input");
		log_info("reading syslog messages from %s", a->conf.input_unix);
	}
	if (a->conf.input_stdin) {
		a->in_stdin = input_stdin_new(STDIN_FILENO, 0, err, sizeof(err));
		if (!a->in_stdin)
			fatalx("%s", err);
		/* A regular file, or /dev/null, cannot be polled (epoll says EPERM): it is read
		 * on every turn of the loop instead. */
		a->stdin_polled = input_stdin_pollable(a->in_stdin);
		if (a->stdin_polled) {
			struct epoll_event ev = {
				.events = EPOLLIN, .data.fd = input_stdin_fd(a->in_stdin)};

			if (epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) == -1) {
				if (errno != EPERM)
					fatal("epoll_ctl standard input");
				a->stdin_polled = false;
			}
		}
	}
}

static void start(struct app *a, int epfd)
{
	struct sensor_config scfg = {0};
	struct itimerspec its = {{1, 0}, {1, 0}};
	struct udp_output *udp = NULL;
	char err[700];
	sigset_t mask;
	unsigned int keep;
	int scanned;

	/* Everything the user can get wrong is checked before BPF is loaded: exit status 2. */
	err[0] = '\0';
	a->filters = open_filters(&a->conf, err, sizeof(err));
	if (!a->filters && err[0])
		usage_error(err);
	a->ratelimit = ratelimit_new(
		a->conf.export_rate_limit, (uint64_t)clock_ns(CLOCK_MONOTONIC), err, sizeof(err));
	if (!a->ratelimit)
		usage_error(err);
	err[0] = '\0';
	a->export = open_export(&a->conf, err, sizeof(err));
	if (!a->export && err[0])
		fatalx("%s", err);
	if (a->conf.udp_output_enabled) {
		udp = open_udp(a, &a->conf, err, sizeof(err));
		if (!udp)
			fatalx("%s", err);
	}

	a->cache = pcache_new(a->node);
	a->ej = ejson_new(a->node, clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME));
	if (!a->cache || !a->ej)
		fatal("start-up");
	if (a->conf.udp_output_enabled && payload_budget(a) <= FRAMING_MSGID_MAX)
		usage_error("--max-message-size: too small for the syslog header and a message");
	ejson_set_max_len(a->ej, payload_budget(a));
	a->pev = pev_new(a->cache, a->ej, on_event, a);
	if (!a->pev)
		fatal("start-up");
	pev_set_accept(a->pev, accept_event, a);

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		fatal("sigprocmask");
	a->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	a->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (a->sfd == -1 || a->tfd == -1)
		fatal("event loop set-up");

	if (a->conf.process_events) {
		scfg.cb = pev_record;
		scfg.cb_arg = a->pev;
		scfg.ringbuf_bytes = (size_t)a->conf.ringbuf_size;
		a->sensor = sensor_open(&scfg, err, sizeof(err));
		if (!a->sensor)
			fatalx("%s", err);
		/* Attach first, then scan: a process that starts in between is seen twice,
		 * never missed, and the exec record simply replaces the scanned entry. */
		scanned = sensor_scan_proc("/proc", pev_record, a->pev);
		if (scanned < 0)
			log_warnx("scan /proc: %s", strerror(-scanned));
		epoll_add(epfd, sensor_fd(a->sensor), "ring buffer");
		epoll_add(epfd, sensor_timer_fd(a->sensor), "ring buffer poll timer");
	}
	/* agent_init goes out once the programs are attached: from then on, nothing that
	 * happens on the host is missed. */
	if (udp)
		start_udp(a, udp);
	start_inputs(a, epfd);
	/* The scan needed root to read every /proc/PID/exe; nothing after it does, but a low
	 * local port that reconnects bind again. */
	keep = a->conf.udp_output_enabled && a->conf.udp_local_port > 0 &&
			       a->conf.udp_local_port < 1024
		       ? PRIVS_KEEP_NET_BIND_SERVICE
		       : 0;
	if (privs_drop_keep(a->conf.user[0] ? a->conf.user : NULL, keep, err, sizeof(err)) != 0)
		fatalx("%s", err);

	if (timerfd_settime(a->tfd, 0, &its, NULL) == -1)
		fatal("timerfd_settime");
	epoll_add(epfd, a->sfd, "signalfd");
	epoll_add(epfd, a->tfd, "timerfd");
	write_metrics(a);
	log_info("ready: %zu processes in cache, node %s, output %s%s%s", pcache_count(a->cache),
		a->node, a->udp ? "udp" : "", a->udp && a->export ? "+" : "",
		a->export ? (strcmp(a->conf.export_filename, "") ? "file" : "stdout") : "");
}

static void stop(struct app *a, int epfd)
{
	if (a->sensor)
		sensor_drain(a->sensor);
	flush_outputs(a);
	check_ringbuf_drops(a);
	/* Closed before the summary: refusals of the last datagrams count in it. */
	if (a->udp)
		retire_udp(a);
	log_summary(a);
	write_metrics(a);
	export_free(a->export);
	sensor_free(a->sensor);
	input_unix_free(a->in_unix);
	input_stdin_free(a->in_stdin);
	lines_free(a->lines);
	pev_free(a->pev);
	ejson_free(a->ej);
	pcache_free(a->cache);
	filters_free(a->filters);
	ratelimit_free(a->ratelimit);
	free(a->frame);
	conf_free(&a->conf);
	close(epfd);
	close(a->tfd);
	close(a->sfd);
}

int main(int argc, char **argv)
{
	static struct app app;
	struct app *a = &app;
	struct epoll_event events[8];
	enum conf_parse_result result;
	char err[700], warn[512];
	int epfd;

	if (argc > 1 && strcmp(argv[1], "getevents") == 0)
		return getevents_main(argc - 1, argv + 1);
	a->argc = argc;
	a->argv = argv;
	if (load_conf(&a->conf, argc, argv, err, sizeof(err), warn, sizeof(warn), &result) != 0)
		usage_error(err);
	if (result == CONF_HELP) {
		conf_usage(stdout);
		return 0;
	}
	if (result == CONF_VERSION) {
		printf("procship %s (commit %s, built %s)\n", PROCSHIP_VERSION,
			PROCSHIP_BUILD_COMMIT, PROCSHIP_BUILD_DATE);
		return 0;
	}
	/* Our own log lines would come back in through the socket, and go out again. */
	if (a->conf.log_syslog && a->conf.input_unix[0] &&
		strcmp(a->conf.input_unix, _PATH_LOG) == 0)
		usage_error("--log-syslog: cannot log to syslog(3) while reading its socket "
			    "(--input-unix " _PATH_LOG ")");
	log_init("procship", (enum log_level)a->conf.log_level);
	log_to_syslog(a->conf.log_syslog);
	if (warn[0])
		log_warnx("%s", warn);
	signal(SIGPIPE, SIG_IGN);

	node_name(a->node, sizeof(a->node));
	snprintf(a->procid, sizeof(a->procid), "%d", (int)getpid());
	set_header(a);
	a->frame = malloc((size_t)a->conf.max_message_size);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!a->frame || epfd == -1)
		fatal("start-up");
	a->epfd = epfd;
	start(a, epfd);

	a->running = true;
	while (a->running) {
		/* Standard input from a file is read each turn, without waiting, to its end. */
		int timeout = a->in_stdin && !a->stdin_polled ? 0 : -1;
		int i, n = epoll_wait(epfd, events, 8, timeout);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			if (events[i].data.fd == a->sfd)
				handle_signals(a);
			else if (events[i].data.fd == a->tfd)
				handle_timer(a);
		}
		/* Whatever woke us, drain everything pending, then send in one batch. The unix
		 * socket is read every turn: its kernel queue holds only ~10 datagrams and a
		 * full queue makes the loss happen in the sender, where we cannot count it. */
		if (a->sensor)
			sensor_drain(a->sensor);
		read_inputs(a);
		flush_outputs(a);
	}
	stop(a, epfd);
	return 0;
}
