/* SPDX-License-Identifier: Apache-2.0 */
/* Local text messages -> the JSON document lines ships: a header read by framing_parse, the
 * text normalized by liblognorm, the result cut to the payload limit. */
#include "shipper/text/lines.h"

#include "framing/framing_parse.h"
#include "framing/framing_relay.h"
#include "lib/fmt.h"
#include "lib/json_scan.h"
#include "lib/jsonstr.h"
#include "lib/utf8.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>
#include <liblognorm.h>

#define FIELDS_DEPTH_MAX 32 /* liblognorm's json parser nests as deep as its input */

/* A growable output buffer: grows rarely, is reused for every message. */
struct jbuf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

struct lines {
	ln_ctx ln;
	struct framing_parser parser; /* and the header fields of the last message */
	struct framing_parsed last;   /* the last message, for lines_refit */
	struct lines_claimed claimed; /* the last local message's header fields, if claimed */
	unsigned int last_flags;
	bool json;
	char node[256];
	size_t max_input;
	size_t max_payload;
	char *clean; /* the input as valid UTF-8 */
	size_t clean_cap;
	struct jbuf out;
	char lnerr[256]; /* liblognorm's first error while loading the rulebase */
	struct lines_stats stats;
};

/* ---- UTF-8 and JSON text ---------------------------------------------------------------- */

static int jb_reserve(struct jbuf *b, size_t more)
{
	size_t want = b->len + more;
	char *p;
	size_t cap;

	if (b->oom)
		return -ENOMEM;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < want)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return -ENOMEM;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void jb_mem(struct jbuf *b, const char *s, size_t n)
{
	if (jb_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void jb_lit(struct jbuf *b, const char *s)
{
	jb_mem(b, s, strlen(s));
}

/* A JSON string for s[0..len), repaired: liblognorm's values and the node name never went
 * through clean_copy. */
static void jb_str(struct jbuf *b, const char *s, size_t len)
{
	if (jb_reserve(b, JSONSTR_MAX(len)) < 0)
		return;
	b->len += jsonstr_put(b->p + b->len, s, len, JSONSTR_REPAIR);
}

static void jb_cstr(struct jbuf *b, const char *s)
{
	jb_str(b, s, strlen(s));
}

/* ,"key":"value" for a header field that is present. */
static void jb_field(struct jbuf *b, const char *key, const char *val, size_t len)
{
	if (len == 0)
		return;
	jb_lit(b, ",\"");
	jb_lit(b, key);
	jb_lit(b, "\":");
	jb_str(b, val, len);
}

/* ---- liblognorm's result -> our text ------------------------------------------------------ */

static void jb_fjson(struct jbuf *b, struct fjson_object *o, int depth)
{
	char num[32];
	int n;

	if (!o || depth > FIELDS_DEPTH_MAX) {
		jb_lit(b, "null");
		return;
	}
	switch (fjson_object_get_type(o)) {
	case fjson_type_boolean:
		jb_lit(b, fjson_object_get_boolean(o) ? "true" : "false");
		return;
	case fjson_type_int:
		n = snprintf(num, sizeof(num), "%" PRId64, fjson_object_get_int64(o));
		jb_mem(b, num, (size_t)n);
		return;
	case fjson_type_double: {
		double d = fjson_object_get_double(o);

		if (!isfinite(d)) { /* JSON has no NaN or Infinity */
			jb_lit(b, "null");
			return;
		}
		n = snprintf(num, sizeof(num), "%.17g", d);
		jb_mem(b, num, (size_t)n);
		return;
	}
	case fjson_type_string:
		jb_str(b, fjson_object_get_string(o), (size_t)fjson_object_get_string_len(o));
		return;
	case fjson_type_array: {
		int i, len = fjson_object_array_length(o);

		jb_lit(b, "[");
		for (i = 0; i < len; i++) {
			if (i)
				jb_lit(b, ",");
			jb_fjson(b, fjson_object_array_get_idx(o, i), depth + 1);
		}
		jb_lit(b, "]");
		return;
	}
	case fjson_type_object: {
		struct fjson_object_iterator it = fjson_object_iter_begin(o);
		struct fjson_object_iterator end = fjson_object_iter_end(o);
		bool first = true;

		jb_lit(b, "{");
		while (!fjson_object_iter_equal(&it, &end)) {
			if (!first)
				jb_lit(b, ",");
			first = false;
			jb_cstr(b, fjson_object_iter_peek_name(&it));
			jb_lit(b, ":");
			jb_fjson(b, fjson_object_iter_peek_value(&it), depth + 1);
			fjson_object_iter_next(&it);
		}
		jb_lit(b, "}");
		return;
	}
	case fjson_type_null:
	default:
		jb_lit(b, "null");
		return;
	}
}

/* The longest prefix of the valid UTF-8 text s[0..len) whose JSON string (quotes included, as
 * jb_str writes it) takes at most budget bytes. */
static size_t escaped_prefix(const char *s, size_t len, size_t budget)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, used = 2;

	while (i < len) {
		size_t n = 1, w;

		if (u[i] == '"' || u[i] == '\\' || u[i] == '\n' || u[i] == '\t' || u[i] == '\r')
			w = 2;
		else if (u[i] < 0x20)
			w = 6;
		else if (u[i] < 0x80)
			w = 1;
		else {
			n = utf8_seq(u + i, len - i);
			w = n = n ? n : 1;
		}
		if (used + w > budget)
			break;
		used += w;
		i += n;
	}
	return i;
}

/* ---- the document -------------------------------------------------------------------------- */

/* Build the document with at most msg_len bytes of MSG; fields may be NULL; bare leaves the
 * optional header fields out. */
static void build(struct lines *l, const struct framing_parsed *p, size_t msg_len,
	struct fjson_object *fields, unsigned int flags, bool bare)
{
	const struct framing_header *h = &p->hdr;
	struct jbuf *b = &l->out;
	char tbuf[64];
	size_t tn;

	b->len = 0;
	jb_lit(b, "{\"syslog\":{\"facility\":\"");
	jb_lit(b, framing_facility_name(h->facility));
	jb_lit(b, "\",\"severity\":\"");
	jb_lit(b, framing_severity_name(h->severity));
	jb_lit(b, "\"");
	if (!bare) {
		jb_field(b, "hostname", h->hostname, strlen(h->hostname));
		jb_field(b, "app_name", h->app_name, strlen(h->app_name));
		jb_field(b, "procid", h->procid, strlen(h->procid));
		jb_field(b, "msgid", h->msgid, strlen(h->msgid));
		jb_field(b, "structured_data", p->sd, p->sd_len);
	}
	jb_lit(b, ",\"msg\":");
	jb_str(b, p->msg, msg_len);
	jb_lit(b, "}");
	if (fields) {
		jb_lit(b, ",\"fields\":");
		jb_fjson(b, fields, 0);
	}
	if (flags & LINES_F_UNPARSED)
		jb_lit(b, ",\"unparsed\":true");
	if (flags & LINES_F_TRUNCATED)
		jb_lit(b, ",\"truncated\":true");
	if (flags & LINES_F_REPLACED)
		jb_lit(b, ",\"replaced\":true");
	if (flags & LINES_F_BAD_PRI)
		jb_lit(b, ",\"bad_pri\":true");
	jb_lit(b, ",\"node_name\":");
	jb_cstr(b, l->node);
	jb_lit(b, ",\"time\":\"");
	tn = fmt_rfc3339(tbuf, sizeof(tbuf), &h->time, 9); /* event_json's "time" */
	jb_mem(b, tbuf, tn);
	jb_lit(b, "\"}");
}

/* Too long for max_payload: without the fields, and with MSG cut to what is left once the rest
 * is measured with an empty MSG, counted as escaped text. When even that is too long (a limit
 * of a few hundred bytes and a long hostname full of quotes), the header fields leave the
 * document too: the caller still has them for the syslog header. Returns 0, -ENOSPC or
 * -ENOMEM. */
static int build_to_fit(struct lines *l, const struct framing_parsed *p, unsigned int flags)
{
	bool bare = false;
	size_t msg_len;

	build(l, p, 0, NULL, flags, bare);
	if (l->out.len > l->max_payload) {
		bare = true;
		build(l, p, 0, NULL, flags, bare);
	}
	if (l->out.len <= l->max_payload) { /* + 2: the empty MSG's quotes */
		msg_len = escaped_prefix(p->msg, p->msg_len, l->max_payload - l->out.len + 2);
		build(l, p, msg_len, NULL, flags, bare);
	}
	if (l->out.len > l->max_payload)
		return l->out.oom ? -ENOMEM : -ENOSPC;
	return 0;
}

/* Copy in[0..len) to l->clean as valid UTF-8 without NUL. Doing it once up front means the
 * header parsers, liblognorm and the JSON writer all see the same valid text. */
static int clean_copy(struct lines *l, const char *in, size_t len, size_t *olen, bool *replaced)
{
	size_t need = len * 3 + 1;

	if (need > l->clean_cap) {
		char *p = realloc(l->clean, need);

		if (!p)
			return -ENOMEM;
		l->clean = p;
		l->clean_cap = need;
	}
	*olen = utf8_repair(l->clean, in, len, UTF8_NUL, replaced);
	l->clean[*olen] = '\0';
	return 0;
}

static int finish(struct lines *l, int ret)
{
	if (ret == -ENOMEM)
		l->stats.dropped_nomem++;
	else if (ret == -ENOSPC)
		l->stats.dropped_limit++;
	return ret;
}

/* The fast path: a pre-encoded JSON object goes out as it came in. True when buf is one. */
static bool pass_through(struct lines *l, const char *buf, size_t len, unsigned int flags,
	const struct timespec *now, struct lines_msg *out)
{
	if (buf[0] != '{' || (flags & LINES_F_TRUNCATED) ||
		(l->max_payload && len > l->max_payload) || !json_scan_object(buf, len))
		return false;
	out->form = LINES_FORM_JSON;
	out->facility = 1;
	out->severity = 5;
	out->time = *now;
	out->hostname = out->app_name = out->procid = out->msgid = "";
	out->json = buf;
	out->json_len = len;
	l->stats.json++;
	l->stats.messages++;
	return true;
}

/* liblognorm's fields for MSG in *fields, or NULL and LINES_F_UNPARSED. */
static unsigned int normalize(
	struct lines *l, const struct framing_parsed *p, struct fjson_object **fields)
{
	*fields = NULL;
	if (!l->ln || ln_normalize(l->ln, p->msg, p->msg_len, fields) == 0)
		return 0;
	/* No rule matched (LN_WRONGPARSER) or liblognorm failed: either way the text ships
	 * unparsed; its originalmsg/unparsed-data copy is not kept. */
	fjson_object_put(*fields);
	*fields = NULL;
	return LINES_F_UNPARSED;
}

static void count(struct lines *l, enum framing_form form, unsigned int flags);
static int finish(struct lines *l, int ret);

/* MSG with control characters escaped as rsyslog escapes them, in l->clean. */
static int escape_msg(struct lines *l, struct framing_parsed *p, unsigned int *flags)
{
	size_t need = p->msg_len * 4;

	if (!framing_relay_controls(p->msg, p->msg_len))
		return 0;
	if (need > l->clean_cap) {
		char *c = realloc(l->clean, need);

		if (!c)
			return -ENOMEM;
		l->clean = c;
		l->clean_cap = need;
	}
	p->msg_len = framing_relay_escape(l->clean, p->msg, p->msg_len);
	p->msg = l->clean;
	*flags |= LINES_F_REPLACED;
	return 0;
}

static bool kernel_pid(const struct lines_local *lc)
{
	return lc && lc->kernel_pid && lc->pid > 0;
}

/* With the kernel's PID the relay writes TAG[PID]: itself: what followed "name[PID]:" in a
 * first word ("world" of "hello:world") goes to MSG rather than being lost (rsyslog, which
 * passes the word on, loses it in RFC 5424). space: MSG does not hold the space after the
 * word yet. */
static void keep_tail(struct framing_parsed *p, const struct lines_local *lc, bool space)
{
	size_t n;

	if (!p->word || !p->word_tail || !kernel_pid(lc))
		return;
	n = p->word_tail + (space && p->tag_space);
	p->msg -= n;
	p->msg_len += n;
}

/* What a receiver reads as the TAG in RFC 3164: the first word passed on as it came, unless
 * its PROCID was replaced by the kernel's (then the relay writes TAG[PID]: itself); without
 * TAG or PROCID, MSG's first word. */
static void relay_tag(const struct framing_parsed *p, const struct lines_local *lc, const char *tag,
	struct lines_msg *out)
{
	out->tag = tag;
	if (p->word && !kernel_pid(lc)) {
		out->word = p->word;
		out->word_len = p->word_len;
		out->msg_prefix = lc ? lines_claim_tagless(lc, p->word, p->word_len) : NULL;
	} else if (lc && !p->word && !tag[0]) {
		out->msg_prefix = lines_claim_tagless(lc, p->msg, p->msg_len);
	}
}

/* Relaying: the header as read, MSG as it came (with the space after the TAG, as rsyslog
 * keeps it) but for control characters, escaped as rsyslog escapes them (counted as
 * "replaced"). framing_parse keeps the header fields printable and within their limits, and
 * reads no further than len. */
static int relay(struct lines *l, const char *buf, size_t len, unsigned int flags,
	const struct timespec *now, const struct lines_local *lc, struct lines_msg *out)
{
	static const enum lines_form forms[] = {
		[FRAMING_FORM_PLAIN] = LINES_FORM_PLAIN,
		[FRAMING_FORM_RFC3164] = LINES_FORM_RFC3164,
		[FRAMING_FORM_RFC5424] = LINES_FORM_RFC5424,
	};
	struct framing_parsed p;
	const char *tag;

	l->parser.local = lc;
	framing_parse(&l->parser, buf, len, now, &p);
	tag = p.tag;
	if (p.bad_pri)
		flags |= LINES_F_BAD_PRI;
	if (lc && lines_claim(lc, &l->claimed, &p.hdr, &tag))
		flags |= LINES_F_RENAMED;
	/* Structured data the relay cannot vouch for stays text: MSG from where it starts. */
	if (p.sd && !framing_sd_valid(p.sd, p.sd_len)) {
		p.msg_len += (size_t)(p.msg - p.sd);
		p.msg = p.sd;
		p.sd = NULL;
		p.sd_len = 0;
	}
	if (p.tag_space) {
		p.msg--;
		p.msg_len++;
	}
	keep_tail(&p, lc, false);
	if (escape_msg(l, &p, &flags) < 0)
		return finish(l, -ENOMEM);
	out->form = forms[p.form];
	out->flags = flags;
	out->facility = p.hdr.facility;
	out->severity = p.hdr.severity;
	out->time = p.hdr.time;
	out->have_time = p.have_time;
	out->hostname = p.hdr.hostname;
	out->app_name = p.hdr.app_name;
	out->procid = p.hdr.procid;
	out->msgid = p.hdr.msgid;
	out->sd = p.sd;
	out->sd_len = p.sd_len;
	out->msg = p.msg;
	out->msg_len = p.msg_len;
	relay_tag(&p, lc, tag, out);
	count(l, p.form, flags);
	return 0;
}

static void count(struct lines *l, enum framing_form form, unsigned int flags)
{
	l->stats.messages++;
	if (form == FRAMING_FORM_RFC3164)
		l->stats.rfc3164++;
	else if (form == FRAMING_FORM_RFC5424)
		l->stats.rfc5424++;
	else
		l->stats.plain++;
	if (l->ln && !(flags & LINES_F_UNPARSED))
		l->stats.normalized++;
	if (flags & LINES_F_UNPARSED)
		l->stats.unparsed++;
	if (flags & LINES_F_TRUNCATED)
		l->stats.truncated++;
	if (flags & LINES_F_REPLACED)
		l->stats.replaced++;
	if (flags & LINES_F_BAD_PRI)
		l->stats.bad_pri++;
}

int lines_parse(struct lines *l, const char *buf, size_t len, unsigned int in_flags,
	const struct lines_local *local, struct lines_msg *out)
{
	static const enum lines_form forms[] = {
		[FRAMING_FORM_PLAIN] = LINES_FORM_PLAIN,
		[FRAMING_FORM_RFC3164] = LINES_FORM_RFC3164,
		[FRAMING_FORM_RFC5424] = LINES_FORM_RFC5424,
	};
	struct fjson_object *fields;
	struct framing_parsed p;
	struct timespec now;
	unsigned int flags = 0;
	size_t clen;
	bool replaced;
	int ret;

	clock_gettime(CLOCK_REALTIME, &now);
	memset(out, 0, sizeof(*out));
	l->out.oom = false;
	if (in_flags & LINES_IN_TRUNCATED)
		flags |= LINES_F_TRUNCATED;
	if (len > l->max_input) {
		len = l->max_input;
		flags |= LINES_F_TRUNCATED;
	}
	if (flags & LINES_F_TRUNCATED)
		len = utf8_trim_partial(buf, len);
	/* syslog(3) implementations and line readers leave newlines and NULs at the end. */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == '\0'))
		len--;
	if (len == 0) {
		l->stats.dropped_empty++;
		return -ENODATA;
	}
	if ((in_flags & LINES_IN_JSON) && pass_through(l, buf, len, flags, &now, out))
		return 0;
	if (!l->json)
		return relay(l, buf, len, flags, &now, local, out);
	ret = clean_copy(l, buf, len, &clen, &replaced);
	if (ret < 0)
		return finish(l, ret);
	if (replaced)
		flags |= LINES_F_REPLACED;
	l->parser.local = local;
	framing_parse(&l->parser, l->clean, clen, &now, &p);
	keep_tail(&p, local, true);
	if (p.bad_pri)
		flags |= LINES_F_BAD_PRI;
	if (local && lines_claim(local, &l->claimed, &p.hdr, NULL))
		flags |= LINES_F_RENAMED;
	flags |= normalize(l, &p, &fields);
	build(l, &p, p.msg_len, fields, flags, false);
	fjson_object_put(fields);
	if (l->max_payload && !l->out.oom && l->out.len > l->max_payload) {
		flags |= LINES_F_TRUNCATED;
		ret = build_to_fit(l, &p, flags);
		if (ret < 0)
			return finish(l, ret);
	}
	if (l->out.oom)
		return finish(l, -ENOMEM);
	out->form = forms[p.form];
	out->flags = flags;
	out->facility = p.hdr.facility;
	out->severity = p.hdr.severity;
	out->time = p.hdr.time;
	out->hostname = p.hdr.hostname;
	out->app_name = p.hdr.app_name;
	out->procid = p.hdr.procid;
	out->msgid = p.hdr.msgid;
	out->json = l->out.p;
	out->json_len = l->out.len;
	out->have_time = p.have_time;
	l->last = p;
	l->last_flags = flags;
	count(l, p.form, flags);
	return 0;
}

int lines_refit(struct lines *l, size_t max, struct lines_msg *out)
{
	size_t saved = l->max_payload;
	int ret;

	if (out->json_len <= max)
		return 0;
	if (!(l->last_flags & LINES_F_TRUNCATED))
		l->stats.truncated++;
	l->last_flags |= LINES_F_TRUNCATED;
	l->max_payload = max;
	ret = build_to_fit(l, &l->last, l->last_flags);
	l->max_payload = saved;
	if (ret < 0)
		return finish(l, ret);
	out->flags = l->last_flags;
	out->json = l->out.p;
	out->json_len = l->out.len;
	return 0;
}

/* ---- life cycle ---------------------------------------------------------------------------- */

/* The object whose rulebase is being loaded: liblognorm 2.0.6 calls the error callback of a
 * v2 rulebase with a NULL cookie, so the cookie cannot be trusted. Loading happens once, at
 * start, on one thread. */
static struct lines *loading;

/* liblognorm reports rulebase errors through this callback only; ln_loadSamples still returns
 * 0 for a rule with an unknown parser. Keep the first message. */
static void on_ln_error(void *cookie, const char *msg, size_t len)
{
	struct lines *l = cookie ? cookie : loading;

	if (!l)
		return;

	if (l->lnerr[0])
		return;
	if (len >= sizeof(l->lnerr))
		len = sizeof(l->lnerr) - 1;
	memcpy(l->lnerr, msg, len);
	l->lnerr[len] = '\0';
}

struct lines *lines_new(const char *rulebase, const char *node_name, char *err, size_t errlen)
{
	struct lines *l = calloc(1, sizeof(*l));
	FILE *f;
	int e, ret;

	if (!l) {
		e = errno;
		snprintf(err, errlen, "lines: %s", strerror(e));
		goto err_out;
	}
	snprintf(l->node, sizeof(l->node), "%s", node_name ? node_name : "");
	l->max_input = LINES_DEFAULT_MAX_INPUT;
	framing_parser_init(&l->parser);
	if (jb_reserve(&l->out, 4096) < 0) {
		e = ENOMEM;
		snprintf(err, errlen, "lines: %s", strerror(e));
		goto err_out;
	}
	if (!rulebase)
		return l;

	/* liblognorm says only "cannot open": check first for a message with the reason. */
	f = fopen(rulebase, "r");
	if (!f) {
		e = errno;
		snprintf(err, errlen, "lines: rulebase %s: %s", rulebase, strerror(e));
		goto err_out;
	}
	fclose(f);
	l->ln = ln_initCtx();
	if (!l->ln) {
		e = ENOMEM;
		snprintf(err, errlen, "lines: liblognorm context: %s", strerror(e));
		goto err_out;
	}
	ln_setErrMsgCB(l->ln, on_ln_error, l);
	loading = l;
	ret = ln_loadSamples(l->ln, rulebase);
	loading = NULL;
	if (ret != 0 || l->lnerr[0]) {
		e = EINVAL;
		/* liblognorm's message names the file and line already. */
		if (l->lnerr[0])
			snprintf(err, errlen, "lines: %s", l->lnerr);
		else
			snprintf(err, errlen, "lines: rulebase %s: cannot load", rulebase);
		goto err_out;
	}
	return l;

err_out:
	lines_free(l);
	errno = e;
	return NULL;
}

void lines_free(struct lines *l)
{
	if (!l)
		return;
	if (l->ln)
		ln_exitCtx(l->ln);
	free(l->clean);
	free(l->out.p);
	free(l);
}

int lines_set_max_input(struct lines *l, size_t max)
{
	if (max == 0)
		return -EINVAL;
	l->max_input = max;
	return 0;
}

void lines_set_json(struct lines *l, bool json)
{
	l->json = json;
}

bool lines_json(const struct lines *l)
{
	return l->json;
}

void lines_set_max_payload(struct lines *l, size_t max)
{
	l->max_payload = max;
}

const struct lines_stats *lines_get_stats(const struct lines *l)
{
	return &l->stats;
}
