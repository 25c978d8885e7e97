#include "shipper/text/lines.h"

#include "framing/framing.h"
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

/* RFC 5424 section 6.1 limits, the same as framing's, so a header we keep can be reframed. */
#define HOSTNAME_MAX 255
#define APPNAME_MAX  48
#define PROCID_MAX   128
#define MSGID_MAX    32

#define FIELDS_DEPTH_MAX 32 /* liblognorm's json parser nests as deep as its input */

/* A growable output buffer: grows rarely, is reused for every message. */
struct jbuf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

/* The local time of hh:00:00 on a day: mktime() and localtime_r() cost about a microsecond each
 * and a stream of messages stays within one hour, so the last answer is kept. Within an hour the
 * offset from UTC does not change (DST moves at full hours in the zones we run in). */
struct hour_cache {
	time_t now_hour; /* now / 3600 when now_year was taken */
	int now_year;	 /* tm_year of now, local time */
	int key;	 /* year, month, day, hour of base packed; -1: empty */
	time_t base;
};

struct lines {
	ln_ctx ln;
	struct hour_cache hours;
	char node[256];
	size_t max_input;
	size_t max_payload;
	char *clean; /* the input as valid UTF-8 */
	size_t clean_cap;
	struct jbuf out;
	char hostname[HOSTNAME_MAX + 1];
	char app_name[APPNAME_MAX + 1];
	char procid[PROCID_MAX + 1];
	char msgid[MSGID_MAX + 1];
	char lnerr[256]; /* liblognorm's first error while loading the rulebase */
	struct lines_stats stats;
};

/* What the header parsers found, pointing into l->clean. */
struct parsed {
	enum lines_form form;
	unsigned int flags;
	int pri;
	bool have_time;
	struct timespec time;
	const char *sd;
	size_t sd_len;
	const char *msg;
	size_t msg_len;
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

/* ---- time ---------------------------------------------------------------------------------- */

static int digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static time_t local_hour(struct hour_cache *c, int year, int mon, int day, int h)
{
	int key = ((year * 12 + mon) * 32 + day) * 24 + h;
	struct tm tm;

	if (key == c->key)
		return c->base;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year;
	tm.tm_mon = mon;
	tm.tm_mday = day;
	tm.tm_hour = h;
	tm.tm_isdst = -1;
	c->base = mktime(&tm);
	c->key = c->base == (time_t)-1 ? -1 : key;
	return c->base;
}

/* RFC 3164 section 4.1.2: "Mmm dd hh:mm:ss" (day padded with a space), local time, no year:
 * take the current year, or the previous one for a stamp more than a month in the future
 * (December's messages read in January). Needs 15 bytes; returns false when they are no stamp. */
static bool parse_time3164(
	struct hour_cache *c, const char *s, size_t len, time_t now, struct timespec *ts)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int mon, day, h, m, sec;
	time_t t;

	if (len < 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':')
		return false;
	for (mon = 0; mon < 12; mon++)
		if (memcmp(s, months + 3 * mon, 3) == 0)
			break;
	if (mon == 12)
		return false;
	day = s[4] == ' ' ? digits(s + 5, 1) : digits(s + 4, 2);
	h = digits(s + 7, 2);
	m = digits(s + 10, 2);
	sec = digits(s + 13, 2);
	if (day < 1 || day > 31 || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60)
		return false;
	if (now / 3600 != c->now_hour) {
		struct tm nowtm;

		localtime_r(&now, &nowtm);
		c->now_year = nowtm.tm_year;
		c->now_hour = now / 3600;
	}
	t = local_hour(c, c->now_year, mon, day, h);
	if (t != (time_t)-1 && t > now + 31 * 86400)
		t = local_hour(c, c->now_year - 1, mon, day, h);
	if (t == (time_t)-1)
		return false;
	ts->tv_sec = t + m * 60 + sec;
	ts->tv_nsec = 0;
	return true;
}

/* RFC 5424 section 6.2.3 (RFC 3339): YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm|-hh:mm), the whole
 * token; also what rsyslog's high-precision RFC 3164 template writes. */
static bool parse_time5424(const char *s, size_t len, struct timespec *ts)
{
	int y, mo, d, h, mi, sec, off = 0;
	long nsec = 0;
	size_t i = 19;
	struct tm tm;

	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
		s[13] != ':' || s[16] != ':')
		return false;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
		mi > 59 || sec < 0 || sec > 60)
		return false;
	if (s[i] == '.') {
		long scale = 100000000;
		size_t start = ++i;

		while (i < len && s[i] >= '0' && s[i] <= '9') {
			nsec += (s[i] - '0') * scale;
			scale /= 10;
			i++;
		}
		if (i == start || i - start > 9) /* RFC 5424: at most 6; accept nanoseconds */
			return false;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);

		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return false;
		off = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
		i += 6;
	} else {
		return false;
	}
	if (i != len)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	ts->tv_sec = timegm(&tm) - off;
	ts->tv_nsec = nsec;
	return true;
}

/* ---- header parsing (over the cleaned text) ------------------------------------------------ */

/* Copy a header field, printable ASCII only (RFC 5424 section 6: PRINTUSASCII) so that it can be
 * reframed as it is; "-" is RFC 5424's NILVALUE and means absent. */
static void keep(char *dst, size_t size, const char *s, size_t len)
{
	size_t i;

	if (len == 1 && s[0] == '-')
		len = 0;
	if (len > size - 1)
		len = size - 1;
	for (i = 0; i < len; i++)
		dst[i] = s[i] > 32 && s[i] < 127 ? s[i] : '_';
	dst[len] = '\0';
}

/* RFC 5424 section 6.2.1: "<" 1*3DIGIT ">", 0..191. Returns the bytes taken (0: none) and sets
 * *bad for something that starts like a PRI and is not one ("<13", "<999>", "<>"). */
static size_t parse_pri(const char *s, size_t len, int *pri, bool *bad)
{
	size_t i;
	int v = 0;

	*bad = false;
	if (len == 0 || s[0] != '<')
		return 0;
	for (i = 1; i < len && i <= 4 && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (s[i] - '0');
	if (i == 1 || i > 4 || i >= len || s[i] != '>' || v > 191) {
		*bad = true;
		return 0;
	}
	*pri = v;
	return i + 1;
}

static size_t token(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] != ' ')
		i++;
	return i;
}

/* RFC 3164 TAG as syslog(3) writes it: "name:" or "name[pid]:", then one space. Returns the
 * bytes taken including that space, 0 when s does not start with a TAG. */
static size_t parse_tag(struct lines *l, const char *s, size_t len)
{
	size_t i = 0, name_len, pid = 0, pid_len = 0;

	while (i < len && s[i] != ' ' && s[i] != ':' && s[i] != '[')
		i++;
	name_len = i;
	if (name_len == 0 || i >= len)
		return 0;
	if (s[i] == '[') {
		pid = ++i;
		while (i < len && s[i] != ']' && s[i] != ' ')
			i++;
		if (i >= len || s[i] != ']')
			return 0;
		pid_len = i - pid;
		i++;
	}
	if (i >= len || s[i] != ':')
		return 0;
	i++;
	if (i < len && s[i] == ' ')
		i++;
	keep(l->app_name, sizeof(l->app_name), s, name_len);
	keep(l->procid, sizeof(l->procid), s + pid, pid_len);
	return i;
}

static bool hostname_like(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > HOSTNAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '.' || c == '-' || c == '_' || c == ':'))
			return false;
	}
	return true;
}

/* After PRI (or a bare timestamp): [TIMESTAMP " "] [HOSTNAME " "] [TAG] MSG. /dev/log senders
 * leave the hostname out, logger --rfc3164 puts it in: a first word is the hostname only when a
 * TAG follows it. */
static void parse_3164(struct lines *l, const char *s, size_t len, time_t now, struct parsed *p)
{
	size_t tl, n;

	p->form = LINES_FORM_RFC3164;
	if (parse_time3164(&l->hours, s, len, now, &p->time) && (len == 15 || s[15] == ' ')) {
		p->have_time = true;
		n = len == 15 ? 15 : 16;
		s += n;
		len -= n;
	} else if ((tl = token(s, len)) >= 20 && parse_time5424(s, tl, &p->time)) {
		p->have_time = true;
		n = tl < len ? tl + 1 : tl;
		s += n;
		len -= n;
	}
	n = parse_tag(l, s, len);
	if (n == 0) {
		tl = token(s, len);
		if (tl < len && hostname_like(s, tl)) {
			n = parse_tag(l, s + tl + 1, len - tl - 1);
			if (n) {
				keep(l->hostname, sizeof(l->hostname), s, tl);
				n += tl + 1;
			}
		}
	}
	p->msg = s + n;
	p->msg_len = len - n;
}

/* RFC 5424 section 6.3: "-" or one or more [ID param="value"...] with '\' escaping '"', '\'
 * and ']' in values. Returns the bytes taken; a malformed SD takes the rest of the message. */
static size_t sd_len(const char *s, size_t len)
{
	size_t i = 0;
	bool quoted = false;

	if (len == 0)
		return 0;
	if (s[0] == '-')
		return 1;
	if (s[0] != '[')
		return 0;
	while (i < len) {
		char c = s[i++];

		if (quoted) {
			if (c == '\\' && i < len)
				i++;
			else if (c == '"')
				quoted = false;
		} else if (c == '"') {
			quoted = true;
		} else if (c == ']' && (i >= len || s[i] != '[')) {
			return i;
		}
	}
	return len;
}

static void parse_5424(struct lines *l, const char *s, size_t len, struct parsed *p)
{
	char *fields[4] = {l->hostname, l->app_name, l->procid, l->msgid};
	size_t sizes[4] = {
		sizeof(l->hostname), sizeof(l->app_name), sizeof(l->procid), sizeof(l->msgid)};
	size_t i, n;

	p->form = LINES_FORM_RFC5424;
	n = token(s, len);
	if (n > 1 || (n == 1 && s[0] != '-'))
		p->have_time = parse_time5424(s, n, &p->time);
	for (i = 0; i < 5; i++) {
		if (i > 0) {
			n = token(s, len);
			keep(fields[i - 1], sizes[i - 1], s, n);
		}
		s += n;
		len -= n;
		if (len == 0)
			goto out;
		s++; /* the space */
		len--;
	}
	n = sd_len(s, len);
	if (n > 1 || (n == 1 && s[0] != '-')) {
		p->sd = s;
		p->sd_len = n;
	}
	s += n;
	len -= n;
	if (len > 0 && s[0] == ' ') {
		s++;
		len--;
	}
	/* RFC 5424 section 6.4: a BOM announces UTF-8; it is not text and breaks mmjsonparse. */
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
out:
	p->msg = s;
	p->msg_len = len;
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
static void build(struct lines *l, const struct parsed *p, size_t msg_len,
	struct fjson_object *fields, unsigned int flags, bool bare, const struct timespec *ts)
{
	struct jbuf *b = &l->out;
	char tbuf[64];
	size_t tn;

	b->len = 0;
	jb_lit(b, "{\"syslog\":{\"facility\":\"");
	jb_lit(b, framing_facility_name(p->pri >> 3));
	jb_lit(b, "\",\"severity\":\"");
	jb_lit(b, framing_severity_name(p->pri & 7));
	jb_lit(b, "\"");
	if (!bare) {
		jb_field(b, "hostname", l->hostname, strlen(l->hostname));
		jb_field(b, "app_name", l->app_name, strlen(l->app_name));
		jb_field(b, "procid", l->procid, strlen(l->procid));
		jb_field(b, "msgid", l->msgid, strlen(l->msgid));
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
	tn = fmt_rfc3339(tbuf, sizeof(tbuf), ts, 9); /* event_json's "time" */
	jb_mem(b, tbuf, tn);
	jb_lit(b, "\"}");
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

int lines_parse(
	struct lines *l, const char *buf, size_t len, unsigned int in_flags, struct lines_msg *out)
{
	struct fjson_object *fields = NULL;
	struct parsed p = {.pri = 13}; /* RFC 3164 section 4.3.3: no PRI means user.notice */
	const struct timespec *ts;
	struct timespec now;
	unsigned int flags = 0;
	size_t n, msg_len, clen;
	bool bad, replaced;
	int ret;

	clock_gettime(CLOCK_REALTIME, &now);
	memset(out, 0, sizeof(*out));
	l->hostname[0] = l->app_name[0] = l->procid[0] = l->msgid[0] = '\0';
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

	/* The fast path: a pre-encoded JSON object goes out as it came in. */
	if ((in_flags & LINES_IN_JSON) && buf[0] == '{' && !(flags & LINES_F_TRUNCATED) &&
		(!l->max_payload || len <= l->max_payload) && json_scan_object(buf, len)) {
		out->form = LINES_FORM_JSON;
		out->facility = 1;
		out->severity = 5;
		out->time = now;
		out->hostname = out->app_name = out->procid = out->msgid = "";
		out->json = buf;
		out->json_len = len;
		l->stats.json++;
		l->stats.messages++;
		return 0;
	}

	ret = clean_copy(l, buf, len, &clen, &replaced);
	if (ret < 0)
		return finish(l, ret);
	if (replaced)
		flags |= LINES_F_REPLACED;

	n = parse_pri(l->clean, clen, &p.pri, &bad);
	if (bad) {
		flags |= LINES_F_BAD_PRI;
		p.form = LINES_FORM_PLAIN;
		p.msg = l->clean;
		p.msg_len = clen;
	} else if (n > 0 && clen > n + 1 && l->clean[n] == '1' && l->clean[n + 1] == ' ') {
		parse_5424(l, l->clean + n + 2, clen - n - 2, &p);
	} else if (n > 0) {
		parse_3164(l, l->clean + n, clen - n, now.tv_sec, &p);
	} else if (parse_time3164(&l->hours, l->clean, clen, now.tv_sec, &p.time)) {
		/* A line from a syslog file: no PRI, but the rest of the RFC 3164 header. */
		parse_3164(l, l->clean, clen, now.tv_sec, &p);
	} else {
		p.form = LINES_FORM_PLAIN;
		p.msg = l->clean;
		p.msg_len = clen;
	}

	if (l->ln) {
		ret = ln_normalize(l->ln, p.msg, p.msg_len, &fields);
		if (ret != 0) {
			/* No rule matched (LN_WRONGPARSER) or liblognorm failed: either way the
			 * text ships unparsed; its originalmsg/unparsed-data copy is not kept. */
			fjson_object_put(fields);
			fields = NULL;
			flags |= LINES_F_UNPARSED;
		}
	}

	ts = p.have_time ? &p.time : &now;
	msg_len = p.msg_len;
	build(l, &p, msg_len, fields, flags, false, ts);
	if (l->max_payload && !l->out.oom && l->out.len > l->max_payload) {
		/* Too long: drop the fields, measure the document with an empty MSG and give MSG
		 * what is left, counted as escaped text. When even that is too long (a limit of a
		 * few hundred bytes and a long hostname full of quotes), the header fields leave
		 * the document too: the caller still has them for the syslog header. */
		bool bare = false;

		fjson_object_put(fields);
		fields = NULL;
		flags |= LINES_F_TRUNCATED;
		build(l, &p, 0, NULL, flags, bare, ts);
		if (l->out.len > l->max_payload) {
			bare = true;
			build(l, &p, 0, NULL, flags, bare, ts);
		}
		if (l->out.len <= l->max_payload) { /* + 2: the empty MSG's quotes */
			msg_len = escaped_prefix(p.msg, p.msg_len, l->max_payload - l->out.len + 2);
			build(l, &p, msg_len, NULL, flags, bare, ts);
		}
		if (l->out.len > l->max_payload)
			return finish(l, l->out.oom ? -ENOMEM : -ENOSPC);
	}
	fjson_object_put(fields);
	if (l->out.oom)
		return finish(l, -ENOMEM);

	out->form = p.form;
	out->flags = flags;
	out->facility = p.pri >> 3;
	out->severity = p.pri & 7;
	out->time = p.have_time ? p.time : now;
	out->hostname = l->hostname;
	out->app_name = l->app_name;
	out->procid = l->procid;
	out->msgid = l->msgid;
	out->json = l->out.p;
	out->json_len = l->out.len;

	l->stats.messages++;
	if (p.form == LINES_FORM_RFC3164)
		l->stats.rfc3164++;
	else if (p.form == LINES_FORM_RFC5424)
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
	l->hours.key = -1;
	l->hours.now_hour = -1;
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

void lines_set_max_payload(struct lines *l, size_t max)
{
	l->max_payload = max;
}

const struct lines_stats *lines_get_stats(const struct lines *l)
{
	return &l->stats;
}
