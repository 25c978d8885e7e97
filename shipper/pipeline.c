/* SPDX-License-Identifier: Apache-2.0 */
/* The data path from a producer to the outputs; see pipeline.h for the contract. */
#include "shipper/pipeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "framing/framing_relay.h"

#include "shipper/admit/filters.h"
#include "shipper/admit/ratelimit.h"
#include "shipper/encode/docs_json.h"
#include "shipper/encode/event_json.h"
#include "shipper/out/export_file.h"
#include "shipper/out/udp.h"
#include "shipper/sys/clock.h"
#include "shipper/sys/log.h"
#include "shipper/text/lines.h"
#include "shipper/text/pidlimit.h"

const char *msg_kind_name(enum msg_kind kind)
{
	switch (kind) {
	case MSG_PROCESS_EXEC:
		return "process_exec";
	case MSG_PROCESS_EXIT:
		return "process_exit";
	case MSG_AGENT_INIT:
		return "agent_init";
	case MSG_RATE_LIMIT_INFO:
		return "rate_limit_info";
	case MSG_TEXT:
		break;
	}
	return NULL;
}

int pipe_init(struct pipeline *p, size_t max_message)
{
	static const enum msg_kind own[PIPE_OWN_MSGIDS] = {
		MSG_PROCESS_EXEC, MSG_PROCESS_EXIT, MSG_AGENT_INIT, MSG_RATE_LIMIT_INFO};
	size_t i;

	memset(p, 0, sizeof(*p));
	p->longest_msgid = "";
	for (i = 0; i < PIPE_OWN_MSGIDS; i++) {
		p->own_msgids[i] = msg_kind_name(own[i]);
		if (strlen(p->own_msgids[i]) > strlen(p->longest_msgid))
			p->longest_msgid = p->own_msgids[i];
	}
	p->max_message = max_message;
	p->started_ns = clock_ns(CLOCK_MONOTONIC);
	p->scratch = malloc(max_message);
	return p->scratch ? 0 : -ENOMEM;
}

void pipe_fini(struct pipeline *p)
{
	free(p->scratch);
	p->scratch = NULL;
}

/* procship's own header, stamped now, named by the message's kind. */
static void own_header(struct pipeline *p, struct msg *m)
{
	m->hdr = p->hdr;
	clock_gettime(CLOCK_REALTIME, &m->hdr.time);
	m->hdr.msgid = msg_kind_name(m->kind);
}

/* RFC 5424 section 7.3 and 7.2: the number of this datagram in its destination's series,
 * and, on procship's own documents only, who wrote it (a relayed message has an originator of
 * its own). sysUpTime is a 32-bit count of hundredths of a second, wrapping as SNMP's does. */
static void meta_sd(struct pipeline *p, const struct msg *m, struct framing_meta *meta)
{
	int64_t up = (clock_ns(CLOCK_MONOTONIC) - p->started_ns) / 10000000;

	meta->sequence_id = udp_next_sequence(p->udp);
	meta->sys_uptime = (uint32_t)(up > 0 ? up : 0);
	meta->software = m->kind != MSG_TEXT ? "procship" : NULL;
	meta->sw_version = PROCSHIP_VERSION;
}

ssize_t pipe_frame(struct pipeline *p, struct msg *m, char *buf, size_t size)
{
	struct framing_meta meta;
	bool truncated = false;
	ssize_t n;

	if (m->kind != MSG_TEXT)
		own_header(p, m);
	if (p->meta && p->udp) {
		meta_sd(p, m, &meta);
		m->hdr.meta = &meta;
	}
	n = framing_build(buf, size < p->max_message ? size : p->max_message, p->format, &m->hdr,
		m->payload, m->len, &truncated);
	m->hdr.meta = NULL;
	if (n < 0) {
		p->stats.frame_errors++;
		return n;
	}
	if (truncated)
		p->stats.cut++;
	return n;
}

/* Framed straight into the output's batch: a long event is not copied a second time. */
static void send_udp(struct pipeline *p, struct msg *m)
{
	char *frame = udp_reserve(p->udp, p->max_message);
	ssize_t n;

	if (!frame) {
		p->stats.frame_errors++;
		return;
	}
	n = pipe_frame(p, m, frame, p->max_message);
	if (n < 0)
		return;
	if (p->meta)
		udp_spend_sequence(p->udp); /* pipe_frame wrote udp_next_sequence into it */
	udp_commit(p->udp, (size_t)n);
}

void pipe_ship(struct pipeline *p, struct msg *m)
{
	p->stats.shipped++;
	if (p->udp)
		send_udp(p, m);
	if (p->export)
		export_write(p->export, m->payload, m->len);
}

/* Once a minute at most, from the tick: the regexes the time budget kept from running. */
static void admit_tick(struct pipeline *p)
{
	struct filters_budget_report r;

	if (!p->filters ||
		!filters_budget_skips_due(p->filters, (uint64_t)clock_ns(CLOCK_MONOTONIC), &r))
		return;
	log_warnx("filters: %" PRIu64 " regexes not run over the regex time budget, %" PRIu64
		  " of them for uid %" PRIu32 " and %" PRIu64 " with all users over; each "
		  "decided for export (fail closed)",
		r.skips, r.uid_skips, r.uid, r.everyone);
}

/* The ancestors' binaries, as the encoder will list them (none for pid 1 and 2). */
static void subject_ancestors(
	struct pipeline *p, const struct pev_event *ev, struct filters_subject *subj)
{
	size_t i, n = 0;

	if (ev->proc->pid > 2)
		n = pcache_ancestors(ev->parent, p->anc, PCACHE_ANCESTORS_MAX, NULL);
	for (i = 0; i < n; i++)
		p->anc_binaries[i] = p->anc[i]->binary;
	subj->ancestor_binaries = p->anc_binaries;
	subj->nancestors = n;
}

/* Filters, then the rate limit, before any encoding work is spent. The regexes run under a
 * time budget per uid, so that one user's arguments cannot stall the drain for all. Both
 * budgets charge the real uid: a user's setuid-root execs must not spend root's. */
static bool admit(struct pipeline *p, const struct pev_event *ev)
{
	const struct pcache_proc *proc = ev->proc, *parent = ev->parent;
	uint64_t now = (uint64_t)clock_ns(CLOCK_MONOTONIC), errors;
	struct filters_subject subj = {
		.ev = ev->type == PS_EVENT_EXEC ? FILTERS_EXEC : FILTERS_EXIT,
		.binary = proc->binary,
		.parent_binary = parent ? parent->binary : NULL,
		.arguments = proc->arguments,
		.pid = proc->pid,
		.ppid = parent ? parent->pid : 0,
		.uid = proc->ruid,
		.scan = ev->procfs,
		.in_init_tree = (proc->flags & PS_F_IN_INIT_TREE) != 0,
		.parent_arguments = parent ? (parent->arguments ? parent->arguments : "") : NULL,
	};
	uint64_t caps[FILTERS_CAP_SETS] = {
		[FILTERS_CAP_PERMITTED] = proc->ext.cap_permitted,
		[FILTERS_CAP_EFFECTIVE] = proc->ext.cap_effective,
		[FILTERS_CAP_INHERITABLE] = proc->ext.cap_inheritable,
	};
	bool pass;

	/* what the event writes as cap (a process seen only at its exit has none) */
	if (proc->flags & PS_F_EXT_CRED)
		subj.caps = caps;
	if (p->filters && filters_uses_ancestors(p->filters))
		subject_ancestors(p, ev, &subj);
	if (p->filters) {
		pass = filters_check(p->filters, &subj, now);
		errors = filters_match_errors_due(p->filters, now);
		if (errors)
			log_warnx("filters: %" PRIu64 " regex matches hit the match limit, "
				  "each decided for export (fail closed)",
				errors);
		if (!pass) {
			p->stats.filtered++;
			return false;
		}
	}
	return ratelimit_allow_uid(p->ratelimit, proc->ruid, now);
}

void pipe_process(void *arg, const struct pev_event *ev)
{
	struct pipeline *p = arg;
	struct msg m = {.kind = ev->type == PS_EVENT_EXIT ? MSG_PROCESS_EXIT : MSG_PROCESS_EXEC};

	if (!admit(p, ev))
		return;
	if (m.kind == MSG_PROCESS_EXEC)
		m.payload = ejson_exec(p->ej, ev->proc, ev->parent, ev->ktime, &m.len);
	else
		m.payload =
			ejson_exit(p->ej, ev->proc, ev->parent, ev->exit_code, ev->ktime, &m.len);
	if (!m.payload) {
		p->stats.encode_errors++;
		return;
	}
	pipe_ship(p, &m);
}

/* ---- text ------------------------------------------------------------------------------- */

/* Relayed text goes out with a syslog header: bare JSON would leave the receiver none, and it
 * would file every message as user.notice. */
static ssize_t relay_frame(struct pipeline *p, const struct framing_relay *r, char *buf)
{
	bool truncated = false;
	ssize_t n;

	if (p->format == FRAMING_RFC3164)
		n = framing_relay_3164(buf, p->max_message, r, &truncated);
	else
		n = framing_relay_5424(buf, p->max_message, r, &truncated);
	if (n < 0)
		p->stats.frame_errors++;
	else if (truncated)
		p->stats.cut++;
	return n;
}

static void ship_relay(struct pipeline *p, const struct framing_relay *r)
{
	char *frame;
	ssize_t n, i;

	p->stats.shipped++;
	if (p->udp) {
		frame = udp_reserve(p->udp, p->max_message);
		if (!frame)
			p->stats.frame_errors++;
		else if ((n = relay_frame(p, r, frame)) >= 0)
			udp_commit(p->udp, (size_t)n);
	}
	if (p->export) {
		n = relay_frame(p, r, p->scratch);
		/* One message per line in the file, whatever MSG holds. */
		for (i = 0; i < n; i++)
			if (p->scratch[i] == '\n' || p->scratch[i] == '\r')
				p->scratch[i] = ' ';
		if (n >= 0)
			export_write(p->export, p->scratch, (size_t)n);
	}
}

/* procship's own notice about local input, relayed like a local message: facility syslog, as
 * rsyslog's imuxsock writes its rate-limit notices. */
static void notice(struct pipeline *p, int severity, const char *text)
{
	struct framing_relay r = {
		.facility = 5,
		.severity = severity,
		.hostname = p->hdr.hostname,
		.app_name = p->hdr.app_name,
		.procid = p->hdr.procid,
		.msgid = "",
		.msg = text,
		.msg_len = strlen(text),
	};

	clock_gettime(CLOCK_REALTIME, &r.time);
	log_warnx("input: %s", text);
	ship_relay(p, &r);
}

static void report_lost(struct pipeline *p, const struct pidlimit_report *r)
{
	char text[128];

	snprintf(text, sizeof(text), "%" PRIu64 " messages from pid %d lost due to rate-limiting",
		r->lost, (int)r->pid);
	notice(p, 4, text);
}

static bool admit_text(struct pipeline *p, pid_t pid, int severity)
{
	struct pidlimit_report r;
	enum pidlimit_verdict v;
	char text[128];

	if (!p->pidlimit)
		return true;
	v = pidlimit_take(p->pidlimit, pid, severity, (uint64_t)clock_ns(CLOCK_MONOTONIC), &r);
	if (r.lost)
		report_lost(p, &r);
	if (v == PIDLIMIT_PASS)
		return true;
	p->stats.text_ratelimited++;
	if (v == PIDLIMIT_FIRST_DROP) {
		snprintf(text, sizeof(text),
			"begins to drop messages from pid %d due to rate-limiting", (int)pid);
		notice(p, 4, text);
	}
	return false;
}

/* The document of a text message under the sender's own header, shortened again when that
 * header leaves less room than the one the limit was set for. */
static void ship_document(struct pipeline *p, struct lines_msg *lm)
{
	/* The widest [meta] a text message can carry (it has no [origin]). */
	const struct framing_meta widest = {FRAMING_SEQUENCE_MAX, UINT32_MAX, NULL, NULL};
	struct msg m = {.kind = MSG_TEXT};
	bool truncated;
	ssize_t h;

	m.hdr = p->hdr;
	m.hdr.time = lm->time;
	m.hdr.msgid = lm->msgid[0] ? lm->msgid : NULL;
	m.hdr.facility = lm->facility;
	m.hdr.severity = lm->severity;
	m.hdr.hostname = lm->hostname[0] ? lm->hostname : p->hdr.hostname;
	m.hdr.app_name = lm->app_name[0] ? lm->app_name : NULL;
	m.hdr.procid = lm->procid[0] ? lm->procid : NULL;
	if (p->udp) {
		m.hdr.meta = p->meta ? &widest : NULL;
		h = framing_build(
			p->scratch, p->max_message, p->format, &m.hdr, "x", 1, &truncated);
		m.hdr.meta = NULL;
		if (h >= 1 && lm->json_len > p->max_message - (size_t)(h - 1)) {
			if (lines_refit(p->lines, p->max_message - (size_t)(h - 1), lm) != 0) {
				p->stats.text_dropped++;
				return;
			}
			p->stats.text_refit++;
		}
	}
	m.payload = lm->json;
	m.len = lm->json_len;
	pipe_ship(p, &m);
}

/* A local message that claimed procship's APP-NAME or MSGID: counted where it was renamed. */
static void count_renamed(struct pipeline *p, const struct lines_msg *lm, bool prefixed)
{
	if ((lm->flags & LINES_F_RENAMED) || prefixed)
		p->stats.text_renamed++;
}

void pipe_text(struct pipeline *p, const char *buf, size_t len, unsigned int in_flags, pid_t pid,
	bool local)
{
	const struct lines_local lc = {
		.hostname = p->hdr.hostname,
		.pid = pid,
		.kernel_pid = p->kernel_pid,
		.self = p->self,
		.own_name = p->hdr.app_name,
		.own_msgids = p->own_msgids,
	};
	struct framing_relay r;
	struct lines_msg lm;

	if (lines_parse(p->lines, buf, len, in_flags, local ? &lc : NULL, &lm) != 0) {
		p->stats.text_dropped++;
		return;
	}
	if (local && !admit_text(p, pid, lm.severity))
		return;
	if (lm.form == LINES_FORM_JSON) {
		/* A pre-encoded JSON line has no header of its own: it goes out as ours do. */
		struct msg m = {.kind = MSG_TEXT, .payload = lm.json, .len = lm.json_len};

		m.hdr = p->hdr;
		m.hdr.time = lm.time;
		m.hdr.msgid = NULL;
		pipe_ship(p, &m);
		return;
	}
	if (lm.json) {
		count_renamed(p, &lm, false);
		ship_document(p, &lm);
		return;
	}
	r = (struct framing_relay){
		.facility = lm.facility,
		.severity = lm.severity,
		.time = lm.time,
		.hostname = lm.hostname[0] ? lm.hostname : p->hdr.hostname,
		.app_name = lm.app_name,
		.tag = lm.tag,
		.procid = lm.procid,
		.msgid = lm.msgid,
		.sd = lm.sd,
		.sd_len = lm.sd_len,
		.msg = lm.msg,
		.msg_len = lm.msg_len,
		/* only RFC 3164 passes a first word on, or reads MSG's first word as a TAG */
		.word = p->format == FRAMING_RFC3164 ? lm.word : NULL,
		.word_len = lm.word_len,
		.msg_prefix = p->format == FRAMING_RFC3164 ? lm.msg_prefix : NULL,
	};
	count_renamed(p, &lm, r.msg_prefix != NULL);
	ship_relay(p, &r);
}

/* The document is built once per peer: it names the destination it is sent to. */
ssize_t pipe_greeting(void *arg, const char *peer, char *buf, size_t size)
{
	struct pipeline *p = arg;
	struct msg m = {.kind = MSG_AGENT_INIT};
	uint32_t seq = p->meta ? udp_next_sequence(p->udp) : 0;
	size_t budget = pipe_payload_budget(p);

	if (strcmp(p->agent_init_peer, peer) != 0 || p->agent_init_len <= 0 ||
		seq != p->agent_init_seq) {
		struct docs_agent_info info = {
			.hostname = p->hdr.hostname,
			.udp_destination = peer,
			.udp_buffer_size = p->udp_buffer_size,
			.sequence_id = seq,
		};

		clock_gettime(CLOCK_REALTIME, &info.started);
		p->agent_init_len = docs_agent_init(&info, p->agent_init, sizeof(p->agent_init));
		/* A small --max-message-size: the short form, which setup made sure fits. */
		info.brief = true;
		if (p->agent_init_len > 0 && (size_t)p->agent_init_len > budget)
			p->agent_init_len =
				docs_agent_init(&info, p->agent_init, sizeof(p->agent_init));
		snprintf(p->agent_init_peer, sizeof(p->agent_init_peer), "%s", peer);
		p->agent_init_seq = seq;
		if (p->agent_init_len < 0) {
			log_warnx("agent_init: cannot build the document (%s)",
				strerror(-p->agent_init_len));
			return 0;
		}
	}
	/* Cut, it would not be JSON: setup refuses a limit too small for the widest peer, so
	 * only a scoped IPv6 address or a reload's longer header gets here. */
	if ((size_t)p->agent_init_len > budget) {
		p->stats.docs_too_long++;
		return 0;
	}
	m.payload = p->agent_init;
	m.len = (size_t)p->agent_init_len;
	return pipe_frame(p, &m, buf, size);
}

/* One rate_limit_info, naming the uids whose events were dropped since the last one. */
static void send_rate_limit_info(struct pipeline *p, uint64_t dropped)
{
	struct ratelimit_uid_drops top[PIPE_RATELIMIT_UIDS];
	struct docs_uid_drops uids[PIPE_RATELIMIT_UIDS];
	char buf[PIPE_RATELIMIT_INFO_MAX];
	struct msg m = {.kind = MSG_RATE_LIMIT_INFO, .payload = buf};
	size_t n, i, room;
	int len;

	n = ratelimit_take_uid_drops(p->ratelimit, top, PIPE_RATELIMIT_UIDS);
	for (i = 0; i < n; i++) {
		uids[i].uid = top[i].uid;
		uids[i].dropped = top[i].dropped;
	}
	/* The uids are procship's addition: as many as fit in a datagram (setup makes sure
	 * that Tetragon's document does). */
	room = p->udp ? pipe_payload_budget(p) + 1 : sizeof(buf);
	if (room > sizeof(buf))
		room = sizeof(buf);
	do
		len = docs_rate_limit_info_uids(
			p->node, dropped, uids, n, clock_ns(CLOCK_REALTIME), buf, room);
	while (len == -ENOSPC && n-- > 0);
	if (len <= 0) {
		p->stats.docs_too_long++;
		return;
	}
	m.len = (size_t)len;
	pipe_ship(p, &m);
}

void pipe_tick(struct pipeline *p)
{
	uint64_t dropped;

	admit_tick(p);
	if (p->pidlimit) {
		struct pidlimit_report r[16];
		unsigned int i, k = pidlimit_expired(
					p->pidlimit, (uint64_t)clock_ns(CLOCK_MONOTONIC), r, 16);

		for (i = 0; i < k; i++)
			report_lost(p, &r[i]);
	}
	if (!ratelimit_report_due(p->ratelimit, (uint64_t)clock_ns(CLOCK_MONOTONIC), &dropped))
		return;
	send_rate_limit_info(p, dropped);
}

void pipe_last_report(struct pipeline *p)
{
	uint64_t dropped;

	if (ratelimit_report_final(p->ratelimit, &dropped))
		send_rate_limit_info(p, dropped);
}

void pipe_flush(struct pipeline *p)
{
	if (p->udp)
		udp_flush(p->udp);
	if (p->export)
		export_flush(p->export);
}

/* Header lengths are fixed for a run but for MSGID and the numbers in [meta]: measure with
 * the longest of each. */
size_t pipe_payload_budget(struct pipeline *p)
{
	struct framing_header hdr = p->hdr;
	/* The widest [meta] and [origin] there can be. */
	const struct framing_meta widest = {
		FRAMING_SEQUENCE_MAX, UINT32_MAX, "procship", PROCSHIP_VERSION};
	bool truncated;
	ssize_t n;

	hdr.msgid = p->longest_msgid;
	hdr.meta = p->meta ? &widest : NULL;
	clock_gettime(CLOCK_REALTIME, &hdr.time);
	n = framing_build(p->scratch, p->max_message, p->format, &hdr, "x", 1, &truncated);
	if (n < 1)
		return 0;
	return p->max_message - (size_t)(n - 1);
}

/* The widest numeric peer udp_link names ("[v6]:port"), the widest counts and times. */
static size_t docs_need(struct pipeline *p)
{
	struct docs_agent_info info = {
		.hostname = p->hdr.hostname,
		.udp_destination = "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535",
		.udp_buffer_size = p->udp_buffer_size,
		.sequence_id = p->meta ? FRAMING_SEQUENCE_MAX : 0,
		.brief = true,
	};
	char buf[PIPE_AGENT_INIT_MAX];
	int a, r;

	clock_gettime(CLOCK_REALTIME, &info.started);
	a = docs_agent_init(&info, buf, sizeof(buf));
	r = docs_rate_limit_info(
		p->node, UINT64_MAX, INT64_C(4102444799123456789), buf, sizeof(buf));
	if (a < 0 || r < 0)
		return SIZE_MAX;
	return (size_t)(a > r ? a : r);
}

int pipe_docs_fit(struct pipeline *p, char *err, size_t errlen)
{
	size_t need = docs_need(p), budget = pipe_payload_budget(p);

	if (need <= budget)
		return 0;
	snprintf(err, errlen,
		"--max-message-size %zu: too small for procship's agent_init and rate_limit_info "
		"documents under this header (%zu bytes, %zu left after it); at least %zu",
		p->max_message, need, budget,
		need == SIZE_MAX ? need : p->max_message + (need - budget));
	return -ENOSPC;
}
