/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for framing/: arbitrary header fields and payload, all three formats, every
 * buffer size around the message length. Checks what the header promises: at most size bytes,
 * a header that is never cut and never holds a line break, a payload prefix kept byte for byte
 * and cut only at a UTF-8 boundary. And the property a receiver relies on: every message, whole
 * or cut, parses back with a small RFC 3164 / RFC 5424 parser written here (not framing/'s
 * code) into the same fields: PRI, the timestamp, each header field as the RFC allows it to be
 * written (the input when it was already valid, else the same length with each refused byte
 * made '_', cut at the field's limit), every SD-PARAM value unescaped back, and the payload.
 *
 *   clang -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined \
 *	tests/fuzz/fuzz_framing.c framing/framing.c lib/utf8.c lib/fmt.c -o build/fuzz/fuzz_framing
 *   build/fuzz/fuzz_framing -max_total_time=60 tests/fuzz/corpus/framing
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "framing/framing.h"
#include "lib/utf8.h"
#include "fuzz_util.h"

#define NFIELDS	  7
#define FIELD_MAX 400
#define OUT_MAX	  8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* ---- a receiver's view: a small RFC 5424 / RFC 3164 parser ---------------------------- */

struct span {
	const char *p;
	size_t n;
};

#define SD_PARAMS_MAX 4

struct parsed {
	int pri;
	struct span time, host, app, procid, msgid;
	bool sd_nil;
	struct span sd_id;
	struct span sd_name[SD_PARAMS_MAX];
	char sd_value[SD_PARAMS_MAX][2 * FIELD_MAX + 1]; /* unescaped */
	size_t sd_value_len[SD_PARAMS_MAX];
	size_t sd_nparams;
	bool has_msg; /* a SP after the header: MSG follows, possibly empty after a cut */
	struct span msg;
};

static bool span_eq(struct span s, const char *p, size_t n)
{
	return s.n == n && memcmp(s.p, p, n) == 0;
}

/* RFC 5424 section 6.2.1: "<" PRIVAL ">", PRIVAL 1*3DIGIT in 0..191. */
static bool parse_pri(const char **p, const char *end, int *pri)
{
	const char *s = *p;
	int v = 0, digits = 0;

	if (s >= end || *s++ != '<')
		return false;
	while (s < end && *s >= '0' && *s <= '9' && digits < 3) {
		v = v * 10 + (*s++ - '0');
		digits++;
	}
	if (digits == 0 || s >= end || *s++ != '>' || v > 191)
		return false;
	*pri = v;
	*p = s;
	return true;
}

/* A header token: 1..max PRINTUSASCII bytes up to the next SP (RFC 5424 section 6). */
static bool parse_token(const char **p, const char *end, size_t max, struct span *out)
{
	const char *s = *p;

	while (s < end && *s != ' ') {
		if ((unsigned char)*s < 33 || (unsigned char)*s > 126)
			return false;
		s++;
	}
	if (s == *p || (size_t)(s - *p) > max)
		return false;
	out->p = *p;
	out->n = (size_t)(s - *p);
	*p = s;
	return true;
}

static bool expect_char(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

static bool sd_name_ok(unsigned char c)
{
	return c >= 33 && c <= 126 && c != '=' && c != ']' && c != '"';
}

static bool parse_sd_name(const char **p, const char *end, struct span *out)
{
	const char *s = *p;

	while (s < end && sd_name_ok((unsigned char)*s))
		s++;
	if (s == *p || s - *p > 32)
		return false;
	out->p = *p;
	out->n = (size_t)(s - *p);
	*p = s;
	return true;
}

/* RFC 5424 section 6.3.3: PARAM-VALUE between '"'; '"', '\' and ']' MUST be escaped; a '\'
 * before any other character is a literal backslash. */
static bool parse_sd_value(const char **p, const char *end, char *dst, size_t *len)
{
	const char *s = *p;
	size_t o = 0;

	for (;;) {
		if (s >= end || o >= 2 * FIELD_MAX)
			return false;
		if (*s == '"')
			break;
		if (*s == ']')
			return false;
		if (*s == '\\' && s + 1 < end && (s[1] == '"' || s[1] == '\\' || s[1] == ']'))
			s++;
		dst[o++] = *s++;
	}
	*len = o;
	*p = s + 1;
	return true;
}

/* RFC 5424 section 6: HEADER SP STRUCTURED-DATA [SP MSG]. Only one SD-ELEMENT is expected. */
static bool parse_5424(const char *m, size_t len, struct parsed *out)
{
	const char *p = m, *end = m + len;

	memset(out, 0, sizeof(*out));
	if (!parse_pri(&p, end, &out->pri) || !expect_char(&p, end, '1') ||
		!expect_char(&p, end, ' ') || !parse_token(&p, end, 32, &out->time) ||
		!expect_char(&p, end, ' ') || !parse_token(&p, end, 255, &out->host) ||
		!expect_char(&p, end, ' ') || !parse_token(&p, end, 48, &out->app) ||
		!expect_char(&p, end, ' ') || !parse_token(&p, end, 128, &out->procid) ||
		!expect_char(&p, end, ' ') || !parse_token(&p, end, 32, &out->msgid) ||
		!expect_char(&p, end, ' '))
		return false;
	if (p < end && *p == '-') {
		out->sd_nil = true;
		p++;
	} else {
		if (!expect_char(&p, end, '[') || !parse_sd_name(&p, end, &out->sd_id))
			return false;
		while (p < end && *p == ' ') {
			size_t i = out->sd_nparams;

			if (i == SD_PARAMS_MAX)
				return false;
			p++;
			if (!parse_sd_name(&p, end, &out->sd_name[i]) ||
				!expect_char(&p, end, '=') || !expect_char(&p, end, '"') ||
				!parse_sd_value(&p, end, out->sd_value[i], &out->sd_value_len[i]))
				return false;
			out->sd_nparams++;
		}
		if (!expect_char(&p, end, ']'))
			return false;
	}
	if (p < end) {
		if (!expect_char(&p, end, ' '))
			return false;
		out->has_msg = true;
	}
	out->msg.p = p;
	out->msg.n = (size_t)(end - p);
	return true;
}

static const char months3164[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* RFC 3164 section 4.1: PRI TIMESTAMP SP HOSTNAME SP TAG["[" PID "]"] ":" [SP MSG]. The TAG
 * ends at the first '[' or ':' (section 4.1.3: a non-alphanumeric character ends it). */
static bool parse_3164(const char *m, size_t len, struct parsed *out)
{
	const char *p = m, *end = m + len, *s;

	memset(out, 0, sizeof(*out));
	if (!parse_pri(&p, end, &out->pri) || end - p < 15)
		return false;
	out->time.p = p;
	out->time.n = 15;
	p += 15;
	if (!expect_char(&p, end, ' ') || !parse_token(&p, end, 255, &out->host) ||
		!expect_char(&p, end, ' '))
		return false;
	for (s = p; s < end && *s != '[' && *s != ':'; s++)
		if ((unsigned char)*s < 33 || (unsigned char)*s > 126)
			return false;
	out->app.p = p;
	out->app.n = (size_t)(s - p);
	p = s;
	if (p < end && *p == '[') {
		for (s = ++p; s < end && *s != ']'; s++)
			if ((unsigned char)*s < 33 || (unsigned char)*s > 126)
				return false;
		out->procid.p = p;
		out->procid.n = (size_t)(s - p);
		p = s;
		if (!expect_char(&p, end, ']'))
			return false;
	}
	if (!expect_char(&p, end, ':'))
		return false;
	if (p < end) {
		if (!expect_char(&p, end, ' '))
			return false;
		out->has_msg = true;
	}
	out->msg.p = p;
	out->msg.n = (size_t)(end - p);
	return true;
}

/* ---- what the fields must read back as ---------------------------------------------------- */

static bool print_ok(unsigned char c)
{
	return c >= 33 && c <= 126;
}

static bool tag_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '/';
}

/* A field as it may appear on the wire: "-" for none, else at most max bytes, each byte the
 * field's alphabet refuses written as '_'. */
static size_t expect_field(const char *s, size_t max, bool (*ok)(unsigned char), char *dst)
{
	size_t i;

	if (!s || s[0] == '\0') {
		dst[0] = '-';
		return 1;
	}
	for (i = 0; i < max && s[i]; i++)
		dst[i] = ok((unsigned char)s[i]) ? s[i] : '_';
	return i;
}

static void check_field(struct span got, const char *s, size_t max, bool (*ok)(unsigned char))
{
	char want[FIELD_MAX + 1];
	size_t n = expect_field(s, max, ok, want);

	CHECK(span_eq(got, want, n));
}

/* RFC 5424 section 6.2.3, written independently: YYYY-MM-DDThh:mm:ss.uuuuuuZ read back to the
 * same second and microsecond; "-" exactly when the time has no such form. */
static void check_5424_time(struct span t, const struct timespec *ts)
{
	char buf[40];
	struct tm tm;
	unsigned usec;
	int used = 0;

	if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L || ts->tv_sec < -62167219200LL ||
		ts->tv_sec > 253402300799LL) {
		CHECK(span_eq(t, "-", 1));
		return;
	}
	CHECK(t.n == 27);
	memcpy(buf, t.p, t.n);
	buf[t.n] = '\0';
	memset(&tm, 0, sizeof(tm));
	CHECK(sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2d.%6uZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		      &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &usec, &used) == 7 &&
		used == 27);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	CHECK(timegm(&tm) == ts->tv_sec);
	CHECK(usec == (unsigned)(ts->tv_nsec / 1000));
}

/* RFC 3164 section 4.1.2: "Mmm dd hh:mm:ss", the day padded with a space; TZ is UTC here. */
static void check_3164_time(struct span t, const struct timespec *ts)
{
	time_t sec = ts->tv_sec;
	struct tm tm;
	char want[32];

	CHECK(gmtime_r(&sec, &tm));
	snprintf(want, sizeof(want), "%s %2d %02d:%02d:%02d", months3164[tm.tm_mon], tm.tm_mday,
		tm.tm_hour, tm.tm_min, tm.tm_sec);
	CHECK(span_eq(t, want, strlen(want)));
}

static void check_sd(const struct parsed *m, const struct framing_header *hdr)
{
	char want[2 * FIELD_MAX + 1];
	size_t i, k = 0, n;

	if (!hdr->sd_id || hdr->sd_id[0] == '\0') {
		CHECK(m->sd_nil);
		return;
	}
	CHECK(!m->sd_nil);
	check_field(m->sd_id, hdr->sd_id, 32, sd_name_ok);
	for (i = 0; i < hdr->sd_nparams; i++) {
		const struct framing_sd_param *sp = &hdr->sd_params[i];
		const char *v = sp->value ? sp->value : "";

		if (!sp->name || sp->name[0] == '\0')
			continue;
		CHECK(k < m->sd_nparams);
		check_field(m->sd_name[k], sp->name, 32, sd_name_ok);
		/* Control characters would end a line in a receiver's file: they read back '_'. */
		for (n = 0; v[n]; n++)
			want[n] = ((unsigned char)v[n] < 32 || v[n] == 127) ? '_' : v[n];
		CHECK(m->sd_value_len[k] == n && memcmp(m->sd_value[k], want, n) == 0);
		k++;
	}
	CHECK(k == m->sd_nparams);
}

/* The text after the header: [SP] [BOM] ["@cee:"] and the payload's first kept bytes. */
static void check_msg(
	const struct parsed *m, bool bom, bool cee, const char *msg, size_t msg_len, size_t kept)
{
	struct span s = m->msg;

	if (msg_len == 0) {
		CHECK(!m->has_msg && s.n == 0);
		return;
	}
	CHECK(m->has_msg);
	if (bom) {
		CHECK(s.n >= 3 && !memcmp(s.p, "\xef\xbb\xbf", 3));
		s.p += 3;
		s.n -= 3;
	}
	if (cee) {
		CHECK(s.n >= 5 && !memcmp(s.p, "@cee:", 5));
		s.p += 5;
		s.n -= 5;
	}
	CHECK(span_eq(s, msg, kept));
}

/* buf[0..len) is a message built from hdr and kept bytes of msg: read it back. */
static void parse_back(enum framing_format format, const struct framing_header *hdr,
	const char *buf, size_t len, const char *msg, size_t msg_len, size_t kept)
{
	static struct parsed m;

	switch (format) {
	case FRAMING_JSON:
		memset(&m, 0, sizeof(m));
		m.has_msg = msg_len > 0;
		m.msg.p = buf;
		m.msg.n = len;
		check_msg(&m, false, hdr->cee, msg, msg_len, kept);
		return;
	case FRAMING_RFC5424:
		CHECK(parse_5424(buf, len, &m));
		check_5424_time(m.time, &hdr->time);
		check_field(m.host, hdr->hostname, FRAMING_HOSTNAME_MAX, print_ok);
		check_field(m.app, hdr->app_name, FRAMING_APPNAME_MAX, print_ok);
		check_field(m.procid, hdr->procid, FRAMING_PROCID_MAX, print_ok);
		check_field(m.msgid, hdr->msgid, FRAMING_MSGID_MAX, print_ok);
		check_sd(&m, hdr);
		check_msg(&m, hdr->bom, hdr->cee, msg, msg_len, kept);
		break;
	case FRAMING_RFC3164:
		CHECK(parse_3164(buf, len, &m));
		check_3164_time(m.time, &hdr->time);
		check_field(m.host, hdr->hostname, FRAMING_HOSTNAME_MAX, print_ok);
		check_field(m.app, hdr->app_name, FRAMING_TAG_MAX, tag_ok);
		if (hdr->procid && hdr->procid[0])
			check_field(m.procid, hdr->procid, FRAMING_PROCID_MAX, tag_ok);
		else
			CHECK(!m.procid.p);
		check_msg(&m, false, hdr->cee, msg, msg_len, kept);
		break;
	}
	CHECK(m.pri == hdr->facility * 8 + hdr->severity);
}

/* Fields are separated by 0x00 in the input; the rest is the payload, NULs and all. */
static size_t next_field(const uint8_t **p, size_t *left, char *dst)
{
	size_t n = 0;

	while (*left > 0 && **p != 0) {
		if (n < FIELD_MAX)
			dst[n++] = (char)**p;
		(*p)++;
		(*left)--;
	}
	if (*left > 0) {
		(*p)++;
		(*left)--;
	}
	dst[n] = '\0';
	return n;
}

static void check_format(enum framing_format format, const struct framing_header *hdr,
	const char *msg, size_t msg_len, unsigned size_knob)
{
	static char full[OUT_MAX], out[OUT_MAX];
	ssize_t len, n;
	size_t hdr_len, size, i, kept, spaces;
	bool truncated;

	len = framing_build(full, sizeof(full), format, hdr, msg, msg_len, &truncated);
	if (len == -EINVAL)
		return;
	CHECK(len >= 0 && (size_t)len <= sizeof(full));
	if (truncated)
		return; /* a header this long is no use for the size sweep below */
	hdr_len = (size_t)len - msg_len;
	parse_back(format, hdr, full, (size_t)len, msg, msg_len, msg_len);
	for (i = 0; i < hdr_len; i++)
		CHECK(full[i] != '\n' && full[i] != '\r' && full[i] != '\0');
	/* RFC 5424: no field may hold a space, so STRUCTURED-DATA starts after the sixth. */
	if (format == FRAMING_RFC5424) {
		for (i = 0, spaces = 0; i < hdr_len && spaces < 6; i++)
			spaces += full[i] == ' ';
		CHECK(spaces == 6 && i < hdr_len && (full[i] == '-' || full[i] == '['));
	}

	/* A buffer a little shorter or longer than the whole message. */
	size = (size_t)len + 8 > size_knob ? (size_t)len + 8 - size_knob : 0;
	n = framing_build(out, size, format, hdr, msg, msg_len, &truncated);
	if (size < hdr_len) {
		CHECK(n == -ENOSPC);
		return;
	}
	CHECK(n >= 0 && (size_t)n <= size);
	CHECK((size_t)n >= hdr_len);
	CHECK(memcmp(out, full, hdr_len) == 0);
	kept = (size_t)n - hdr_len;
	CHECK(kept == utf8_cut(msg, msg_len, size - hdr_len));
	CHECK(memcmp(out + hdr_len, msg, kept) == 0);
	CHECK(truncated == (kept < msg_len));
	parse_back(format, hdr, out, (size_t)n, msg, msg_len, kept);
}

/* RFC 3164 times are local: make local UTC, so the parser can check them with gmtime. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char fields[NFIELDS][FIELD_MAX + 1];
	struct framing_sd_param params[2];
	struct framing_header hdr;
	const uint8_t *p = data;
	size_t left = size, i;
	unsigned flags, knob;
	int64_t sec;

	if (size < 12)
		return 0;
	flags = p[0];
	knob = p[1];
	memcpy(&sec, p + 2, sizeof(sec));
	p += 10;
	left -= 10;

	memset(&hdr, 0, sizeof(hdr));
	/* Mostly valid PRI values, sometimes not. */
	hdr.facility = (flags & 0x80) ? (int)(int8_t)p[0] : p[0] % 24;
	hdr.severity = (flags & 0x80) ? (int)(int8_t)p[1] : p[1] % 8;
	p += 2;
	left -= 2;
	/* Keep years printable most of the time; the rest tests the NILVALUE path. */
	hdr.time.tv_sec = (flags & 0x40) ? (time_t)sec : (time_t)(sec % 253402300800LL);
	hdr.time.tv_nsec = (flags & 0x20) ? (long)(sec >> 32) : (long)((uint64_t)sec % 1000000000);
	hdr.bom = flags & 1;
	hdr.cee = flags & 2;

	for (i = 0; i < NFIELDS; i++)
		next_field(&p, &left, fields[i]);
	hdr.hostname = (flags & 4) ? NULL : fields[0];
	hdr.app_name = fields[1];
	hdr.procid = fields[2];
	hdr.msgid = (flags & 8) ? NULL : fields[3];
	hdr.sd_id = fields[4];
	params[0].name = fields[5];
	params[0].value = fields[6];
	params[1].name = "n";
	params[1].value = (flags & 16) ? NULL : fields[6];
	hdr.sd_params = params;
	hdr.sd_nparams = 2;

	check_format(FRAMING_JSON, &hdr, (const char *)p, left, knob);
	check_format(FRAMING_RFC3164, &hdr, (const char *)p, left, knob);
	check_format(FRAMING_RFC5424, &hdr, (const char *)p, left, knob);
	return 0;
}
