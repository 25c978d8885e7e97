/* SPDX-License-Identifier: Apache-2.0 */
/* Syslog framing: header fields + payload -> one message in a caller-owned buffer.
 *
 * The builders share one shape: a header is assembled into a small write cursor that counts
 * every byte it was asked for, also those that did not fit, so the assembler only has to
 * compare the count with the buffer size once at the end (-ENOSPC: the header is never cut).
 * The payload then gets whatever room is left, cut at a UTF-8 character boundary.
 *
 * "Header" here means every byte before the first payload byte. When the payload is not empty
 * that includes the space before MSG, the BOM and "@cee:", so they are never cut either and a
 * truncated message still has the cookie in front of its (cut) JSON. An empty payload brings
 * no MSG part at all: no separator space, no BOM, no "@cee:".
 *
 * Decisions where the RFCs leave room:
 * - Header fields are never allowed to shift the fields after them: bytes a field may not
 *   hold are each replaced by '_' (one '_' per byte, also for each byte of a multi-byte
 *   UTF-8 character), then the field is cut at its limit.
 * - [meta] and [origin] (RFC 5424 sections 7.3, 7.2) follow the caller's own element and are
 *   left out of RFC 3164 and bare JSON: RFC 3164 has no structured data (a receiver would
 *   take the brackets for the start of MSG, and the JSON would no longer parse) and bare JSON
 *   no room for a key outside Tetragon's schema.
 * - "@cee:" is followed directly by the payload, no space: rsyslog's mmjsonparse skips
 *   optional whitespace after the cookie, so both parse, and this spends one byte less.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "framing/framing.h"
#include "lib/fmt.h"
#include "lib/utf8.h"

#define NILVALUE   "-"
#define CEE_COOKIE "@cee:"
#define UTF8_BOM   "\xef\xbb\xbf"

/* 9999-12-31T23:59:59Z */
#define LAST_SECOND_OF_9999 253402300799LL

/* A header being assembled. len counts what was asked for and may run past size: then
 * nothing more is written and the builder returns -ENOSPC. */
struct wbuf {
	char *buf;
	size_t size;
	size_t len;
};

/* Month names are spelled out here, not taken from strftime("%b"), which follows LC_TIME:
 * RFC 3164 section 4.1.2 wants the English abbreviations. */
static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void put_mem(struct wbuf *w, const char *s, size_t n)
{
	if (w->len < w->size)
		memcpy(w->buf + w->len, s, n < w->size - w->len ? n : w->size - w->len);
	w->len += n;
}

static void put_str(struct wbuf *w, const char *s)
{
	put_mem(w, s, strlen(s));
}

static void put_char(struct wbuf *w, char c)
{
	if (w->len < w->size)
		w->buf[w->len] = c;
	w->len++;
}

/* v in decimal, at least width digits, padded on the left with pad. */
static void put_uint(struct wbuf *w, unsigned v, int width, char pad)
{
	char digits[20];
	size_t i, n = fmt_u64(digits, v);

	for (; (int)n < width; width--)
		put_char(w, pad);
	/* A few digits: byte by byte is cheaper than a call to memcpy. */
	for (i = 0; i < n; i++)
		put_char(w, digits[i]);
}

/* RFC 5424 section 6: PRINTUSASCII = %d33-126, the set every header field is drawn from. */
static bool printusascii(unsigned char c)
{
	return c >= 33 && c <= 126;
}

/* RFC 3164 section 4.1.3 makes the TAG alphanumeric; '-', '_', '.' and '/' are kept too
 * because program names use them, and none of them ends a TAG in common parsers (':', '['
 * and ' ' do). */
static bool tag_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '/';
}

/* RFC 5424 section 6.3.2: SD-NAME = 1*32PRINTUSASCII except '=', SP, ']', '"'. */
static bool sd_name_char(unsigned char c)
{
	return printusascii(c) && c != '=' && c != ']' && c != '"';
}

/* One header field: NULL or "" is NILVALUE; otherwise at most max bytes, each byte that
 * ok() refuses replaced by '_'. */
/* Inlined where it is called, so that ok is too: the header is written for every message. */
static inline __attribute__((always_inline)) void put_field(
	struct wbuf *w, const char *s, size_t max, bool (*ok)(unsigned char))
{
	size_t i;

	if (!s || s[0] == '\0') {
		put_str(w, NILVALUE);
		return;
	}
	for (i = 0; i < max && s[i] != '\0'; i++)
		put_char(w, ok((unsigned char)s[i]) ? s[i] : '_');
}

/* RFC 5424 section 6.2.1 (and RFC 3164 section 4.1.1): PRI = "<" facility * 8 + severity ">". */
static void put_pri(struct wbuf *w, const struct framing_header *hdr)
{
	put_char(w, '<');
	put_uint(w, (unsigned)(hdr->facility * 8 + hdr->severity), 1, '0');
	put_char(w, '>');
}

/* RFC 3164 section 4.1.2: "Mmm dd hh:mm:ss", the day padded with a space; local time as the
 * RFC says, or UTC when the receiver is told so (the format has no zone to say it). */
static int fmt_3164_mmmdd(char out[15], time_t sec, bool utc)
{
	struct tm tm;

	if (!(utc ? gmtime_r(&sec, &tm) : localtime_r(&sec, &tm)) || tm.tm_mon < 0 ||
		tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
		return -EINVAL;
	memcpy(out, months[tm.tm_mon], 3);
	out[3] = ' ';
	out[4] = tm.tm_mday < 10 ? ' ' : (char)('0' + tm.tm_mday / 10);
	out[5] = (char)('0' + tm.tm_mday % 10);
	out[6] = ' ';
	out[7] = (char)('0' + tm.tm_hour / 10);
	out[8] = (char)('0' + tm.tm_hour % 10);
	out[9] = ':';
	out[10] = (char)('0' + tm.tm_min / 10);
	out[11] = (char)('0' + tm.tm_min % 10);
	out[12] = ':';
	out[13] = (char)('0' + tm.tm_sec / 10 % 10);
	out[14] = (char)('0' + tm.tm_sec % 10);
	return 0;
}

/* The text once a second, not once a message: localtime_r and gmtime_r take glibc's time zone
 * lock, and were a visible share of sending small messages. Local time is keyed on the zone
 * tzset() last set too (its offset and names): glibc's localtime_r sees a new TZ only after a
 * tzset() itself, so that is when a change of zone shows (the tests change it; a daemon has no
 * reason to). Reading TZ with getenv on every message cost more than the rest. */
struct mmmdd_cache {
	bool valid;
	time_t sec;
	long zone;
	int daylight;
	const char *names[2];
	char text[15];
};

static int put_3164_mmmdd(struct wbuf *w, const struct timespec *ts, bool utc)
{
	static _Thread_local struct mmmdd_cache cache[2];
	struct mmmdd_cache *c = &cache[utc];
	long zone = utc ? 0 : timezone;
	int dst = utc ? 0 : daylight;
	const char *n0 = utc ? NULL : tzname[0], *n1 = utc ? NULL : tzname[1];

	if (!c->valid || c->sec != ts->tv_sec || c->zone != zone || c->daylight != dst ||
		c->names[0] != n0 || c->names[1] != n1) {
		c->valid = false;
		if (fmt_3164_mmmdd(c->text, ts->tv_sec, utc) != 0)
			return -EINVAL;
		/* localtime_r may have run glibc's first tzset: key on what it set */
		c->zone = utc ? 0 : timezone;
		c->daylight = utc ? 0 : daylight;
		c->names[0] = utc ? NULL : tzname[0];
		c->names[1] = utc ? NULL : tzname[1];
		c->sec = ts->tv_sec;
		c->valid = true;
	}
	put_mem(w, c->text, sizeof(c->text));
	return 0;
}

static void put_5424_time(struct wbuf *w, const struct timespec *ts);

/* The RFC 3164 timestamp as hdr->time3164 chooses. RFC 3339 is what rsyslog's
 * RSYSLOG_ForwardFormat puts there; rsyslog and syslog-ng both read it in an RFC 3164
 * header, with its zone, so the receiver's own zone no longer matters. */
static int put_3164_time(struct wbuf *w, const struct framing_header *hdr)
{
	switch (hdr->time3164) {
	case FRAMING_3164_LOCAL:
		return put_3164_mmmdd(w, &hdr->time, false);
	case FRAMING_3164_UTC:
		return put_3164_mmmdd(w, &hdr->time, true);
	case FRAMING_3164_RFC3339:
		put_5424_time(w, &hdr->time);
		return 0;
	}
	return -EINVAL;
}

/* RFC 5424 section 6.2.3: an RFC 3339 timestamp, here always UTC ("Z") with microseconds
 * (TIME-SECFRAC allows at most 6 digits). A time RFC 3339 cannot write (a year outside
 * 0000..9999, or a tv_nsec that is no fraction of a second) is sent as NILVALUE, which the
 * section allows when the time is unknown, rather than dropping the event. */
static void put_5424_time(struct wbuf *w, const struct timespec *ts)
{
	char text[32];
	size_t n = 0;

	/* RFC 3339 section 5.6: date-fullyear = 4DIGIT. */
	if (ts->tv_sec <= LAST_SECOND_OF_9999)
		n = fmt_rfc3339(text, sizeof(text), ts, 6);
	if (n == 0) {
		put_str(w, NILVALUE);
		return;
	}
	put_mem(w, text, n);
}

/* RFC 5424 section 6.3.3: in a PARAM-VALUE '"', '\' and ']' MUST be escaped with '\'. Control
 * characters are legal UTF-8 there, but a newline would let a value start a new line in a
 * receiver's file, so C0 controls and DEL become '_' like in every other header field. Bytes
 * >= 0x80 pass through unchecked: validating UTF-8 is the caller's business. */
static void put_sd_value(struct wbuf *w, const char *s)
{
	unsigned char c;

	if (!s)
		return;
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\' || c == ']') {
			put_char(w, '\\');
			put_char(w, (char)c);
		} else if (c < 32 || c == 127) {
			put_char(w, '_');
		} else {
			put_char(w, (char)c);
		}
	}
}

/* RFC 5424 section 6.3: the caller's SD-ELEMENT when sd_id is set (a parameter without a
 * name cannot be written, SD-NAME is 1*32, and is left out; a NULL value is the empty
 * value). Returns whether it wrote one. */
static bool put_sd_element(struct wbuf *w, const struct framing_header *hdr)
{
	const struct framing_sd_param *p;
	size_t i;

	if (!hdr->sd_id || hdr->sd_id[0] == '\0')
		return false;
	put_char(w, '[');
	put_field(w, hdr->sd_id, FRAMING_SDNAME_MAX, sd_name_char);
	for (i = 0; hdr->sd_params && i < hdr->sd_nparams; i++) {
		p = &hdr->sd_params[i];
		if (!p->name || p->name[0] == '\0')
			continue;
		put_char(w, ' ');
		put_field(w, p->name, FRAMING_SDNAME_MAX, sd_name_char);
		put_str(w, "=\"");
		put_sd_value(w, p->value);
		put_char(w, '"');
	}
	put_char(w, ']');
	return true;
}

/* RFC 5424 section 7.3 [meta sequenceId sysUpTime] and 7.2 [origin software swVersion], the
 * IANA-registered SD-IDs, so that every receiver may read them. Returns whether it wrote
 * anything. */
static bool put_meta_sd(struct wbuf *w, const struct framing_meta *m)
{
	bool any = false;

	if (!m)
		return false;
	if (m->sequence_id != 0) {
		put_str(w, "[meta sequenceId=\"");
		put_uint(w, m->sequence_id, 1, '0');
		put_str(w, "\" sysUpTime=\"");
		put_uint(w, m->sys_uptime, 1, '0');
		put_str(w, "\"]");
		any = true;
	}
	if (m->software && m->software[0] != '\0') {
		put_str(w, "[origin software=\"");
		put_sd_value(w, m->software);
		if (m->sw_version && m->sw_version[0] != '\0') {
			put_str(w, "\" swVersion=\"");
			put_sd_value(w, m->sw_version);
		}
		put_str(w, "\"]");
		any = true;
	}
	return any;
}

/* STRUCTURED-DATA: the elements, or NILVALUE when there is none. */
static void put_sd(struct wbuf *w, const struct framing_header *hdr)
{
	bool any = put_sd_element(w, hdr);

	if (!put_meta_sd(w, hdr->meta) && !any)
		put_str(w, NILVALUE);
}

/* The end of every builder: refuse a header that did not fit, then append as much of the
 * payload as the room left allows, cut at a character boundary. */
static ssize_t put_payload(struct wbuf *w, const char *msg, size_t msg_len, bool *truncated)
{
	size_t n;

	if (w->len > w->size)
		return -ENOSPC;
	n = msg_len;
	if (n > w->size - w->len)
		n = utf8_cut(msg, msg_len, w->size - w->len);
	if (truncated)
		*truncated = n < msg_len;
	if (n > 0)
		memcpy(w->buf + w->len, msg, n);
	return (ssize_t)(w->len + n);
}

static bool valid_pri(const struct framing_header *hdr)
{
	return hdr->facility >= 0 && hdr->facility <= 23 && hdr->severity >= 0 &&
	       hdr->severity <= 7;
}

ssize_t framing_rfc3164(char *buf, size_t size, const struct framing_header *hdr, const char *msg,
	size_t msg_len, bool *truncated)
{
	struct wbuf w = {buf, size, 0};
	int err;

	if (!hdr || !valid_pri(hdr))
		return -EINVAL;
	put_pri(&w, hdr);
	err = put_3164_time(&w, hdr);
	if (err < 0)
		return err;
	put_char(&w, ' ');
	/* RFC 3164 section 4.1.2 wants a HOSTNAME and has no NILVALUE; "-" keeps the field
	 * count, so a receiver does not take the TAG for the host. */
	put_field(&w, hdr->hostname, FRAMING_HOSTNAME_MAX, printusascii);
	put_char(&w, ' ');
	/* Without a TAG a receiver would take the first word of MSG for one: "-" stands in. */
	put_field(&w, hdr->app_name, FRAMING_TAG_MAX, tag_char);
	if (hdr->procid && hdr->procid[0] != '\0') {
		put_char(&w, '[');
		put_field(&w, hdr->procid, FRAMING_PROCID_MAX, tag_char);
		put_char(&w, ']');
	}
	put_char(&w, ':');
	if (msg_len > 0) {
		put_char(&w, ' ');
		if (hdr->cee)
			put_str(&w, CEE_COOKIE);
	}
	return put_payload(&w, msg, msg_len, truncated);
}

ssize_t framing_rfc5424(char *buf, size_t size, const struct framing_header *hdr, const char *msg,
	size_t msg_len, bool *truncated)
{
	struct wbuf w = {buf, size, 0};

	if (!hdr || !valid_pri(hdr))
		return -EINVAL;
	/* RFC 5424 section 6: HEADER = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP
	 * PROCID SP MSGID, then SP STRUCTURED-DATA [SP MSG]. */
	put_pri(&w, hdr);
	put_str(&w, "1 ");
	put_5424_time(&w, &hdr->time);
	put_char(&w, ' ');
	put_field(&w, hdr->hostname, FRAMING_HOSTNAME_MAX, printusascii);
	put_char(&w, ' ');
	put_field(&w, hdr->app_name, FRAMING_APPNAME_MAX, printusascii);
	put_char(&w, ' ');
	put_field(&w, hdr->procid, FRAMING_PROCID_MAX, printusascii);
	put_char(&w, ' ');
	put_field(&w, hdr->msgid, FRAMING_MSGID_MAX, printusascii);
	put_char(&w, ' ');
	put_sd(&w, hdr);
	if (msg_len > 0) {
		put_char(&w, ' ');
		/* Section 6.4: a UTF-8 MSG may start with the BOM to say so. */
		if (hdr->bom)
			put_str(&w, UTF8_BOM);
		if (hdr->cee)
			put_str(&w, CEE_COOKIE);
	}
	return put_payload(&w, msg, msg_len, truncated);
}

/* hdr may be NULL here: only hdr->cee is used. */
ssize_t framing_json(char *buf, size_t size, const struct framing_header *hdr, const char *msg,
	size_t msg_len, bool *truncated)
{
	struct wbuf w = {buf, size, 0};

	if (msg_len > 0 && hdr && hdr->cee)
		put_str(&w, CEE_COOKIE);
	return put_payload(&w, msg, msg_len, truncated);
}

ssize_t framing_build(char *buf, size_t size, enum framing_format format,
	const struct framing_header *hdr, const char *msg, size_t msg_len, bool *truncated)
{
	switch (format) {
	case FRAMING_JSON:
		return framing_json(buf, size, hdr, msg, msg_len, truncated);
	case FRAMING_RFC3164:
		return framing_rfc3164(buf, size, hdr, msg, msg_len, truncated);
	case FRAMING_RFC5424:
		return framing_rfc5424(buf, size, hdr, msg, msg_len, truncated);
	}
	return -EINVAL;
}

uint32_t framing_sequence_next(uint32_t seq)
{
	return seq == 0 || seq >= FRAMING_SEQUENCE_MAX ? 1 : seq + 1;
}
