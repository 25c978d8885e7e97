/* SPDX-License-Identifier: Apache-2.0 */
/* A local message's own header, written again as RFC 3164 or RFC 5424; see framing_relay.h. */
#include "framing/framing_relay.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/fmt.h"
#include "lib/utf8.h"

#define LAST_SECOND_OF_9999 253402300799LL

/* Counts what it was asked to write, also past size: the header then did not fit. */
struct rbuf {
	char *buf;
	size_t size;
	size_t len;
};

static void r_mem(struct rbuf *w, const char *s, size_t n)
{
	if (w->len < w->size)
		memcpy(w->buf + w->len, s, n < w->size - w->len ? n : w->size - w->len);
	w->len += n;
}

static void r_char(struct rbuf *w, char c)
{
	r_mem(w, &c, 1);
}

/* A field as given, cut at max bytes; "-" when absent. */
static void r_field(struct rbuf *w, const char *s, size_t max)
{
	size_t n = s ? strnlen(s, max) : 0;

	if (n == 0)
		r_mem(w, "-", 1);
	else
		r_mem(w, s, n);
}

/* A TAG or its [PID] in RFC 3164: ':', '[' and ']' end or split a TAG in every parser, so an
 * RFC 5424 APP-NAME holding one ("procship:") would be read as another name; each becomes
 * '_'. */
static void r_tag(struct rbuf *w, const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i]; i++)
		r_char(w, s[i] == ':' || s[i] == '[' || s[i] == ']' ? '_' : s[i]);
}

static void r_pri(struct rbuf *w, const struct framing_relay *m)
{
	char d[8];
	size_t n = fmt_u64(d, (uint64_t)(m->facility * 8 + m->severity));

	r_char(w, '<');
	r_mem(w, d, n);
	r_char(w, '>');
}

static void r_2digits(struct rbuf *w, int v, char pad)
{
	r_char(w, v >= 10 ? (char)('0' + v / 10) : pad);
	r_char(w, (char)('0' + v % 10));
}

/* RFC 3164 section 4.1.2: "Mmm dd hh:mm:ss", local time, English month names. */
static int r_3164_time(struct rbuf *w, const struct timespec *ts)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;

	if (!localtime_r(&ts->tv_sec, &tm) || tm.tm_mon < 0 || tm.tm_mon > 11)
		return -EINVAL;
	r_mem(w, months + 3 * tm.tm_mon, 3);
	r_char(w, ' ');
	r_2digits(w, tm.tm_mday, ' ');
	r_char(w, ' ');
	r_2digits(w, tm.tm_hour, '0');
	r_char(w, ':');
	r_2digits(w, tm.tm_min, '0');
	r_char(w, ':');
	r_2digits(w, tm.tm_sec, '0');
	return 0;
}

/* The end of both builders, as in framing.c: no cut header, MSG cut at a character. */
static ssize_t r_msg(struct rbuf *w, const char *msg, size_t len, bool *truncated)
{
	size_t n = len;

	if (w->len > w->size)
		return -ENOSPC;
	if (n > w->size - w->len)
		n = utf8_cut(msg, len, w->size - w->len);
	if (truncated)
		*truncated = n < len;
	if (n > 0)
		memcpy(w->buf + w->len, msg, n);
	return (ssize_t)(w->len + n);
}

/* MSG of a message without TAG, whose first word a receiver reads as one: msg_prefix goes
 * before that word, after the spaces that syslog-ng skips to find it. */
static ssize_t r_tagless_msg(struct rbuf *w, const struct framing_relay *m, bool *truncated)
{
	size_t sp = 0;

	if (!m->msg_prefix || !m->msg_prefix[0])
		return r_msg(w, m->msg, m->msg_len, truncated);
	while (sp < m->msg_len && m->msg[sp] == ' ')
		sp++;
	r_mem(w, m->msg, sp);
	r_mem(w, m->msg_prefix, strlen(m->msg_prefix));
	return r_msg(w, m->msg + sp, m->msg_len - sp, truncated);
}

static bool valid_pri(const struct framing_relay *m)
{
	return m->facility >= 0 && m->facility <= 23 && m->severity >= 0 && m->severity <= 7;
}

/* TAG[PROCID]: from the fields, or the sender's first word as it came. Returns whether a TAG
 * was written. */
static bool r_3164_tag(struct rbuf *w, const struct framing_relay *m, const char *tag)
{
	bool pid = m->procid && m->procid[0];

	if (m->word) {
		if (m->msg_prefix)
			r_mem(w, m->msg_prefix, strlen(m->msg_prefix));
		r_mem(w, m->word, m->word_len < FRAMING_TAG_MAX ? m->word_len : FRAMING_TAG_MAX);
		return true;
	}
	if ((!tag || !tag[0]) && !pid)
		return false;
	if (tag)
		r_tag(w, tag, FRAMING_TAG_MAX);
	if (pid) {
		r_char(w, '[');
		r_tag(w, m->procid, FRAMING_PROCID_MAX);
		r_char(w, ']');
	}
	r_char(w, ':');
	return true;
}

ssize_t framing_relay_3164(char *buf, size_t size, const struct framing_relay *m, bool *truncated)
{
	const char *tag = m->tag ? m->tag : m->app_name;
	struct rbuf w = {buf, size, 0};
	bool tagged;

	if (!valid_pri(m))
		return -EINVAL;
	r_pri(&w, m);
	if (r_3164_time(&w, &m->time) < 0)
		return -EINVAL;
	r_char(&w, ' ');
	r_field(&w, m->hostname, FRAMING_HOSTNAME_MAX);
	r_char(&w, ' ');
	tagged = r_3164_tag(&w, m, tag);
	if (m->msg_len == 0 || (tagged && m->msg[0] != ' '))
		r_char(&w, ' ');
	/* no name: MSG's first word is what syslog-ng takes for the program, also after [PID]: */
	if (!m->word && (!tag || !tag[0]))
		return r_tagless_msg(&w, m, truncated);
	return r_msg(&w, m->msg, m->msg_len, truncated);
}

ssize_t framing_relay_5424(char *buf, size_t size, const struct framing_relay *m, bool *truncated)
{
	struct rbuf w = {buf, size, 0};
	char text[40];
	size_t n = 0;

	if (!valid_pri(m))
		return -EINVAL;
	r_pri(&w, m);
	r_mem(&w, "1 ", 2);
	if (m->time.tv_sec >= 0 && m->time.tv_sec <= LAST_SECOND_OF_9999)
		n = fmt_rfc3339(text, sizeof(text), &m->time, 6);
	r_mem(&w, n ? text : "-", n ? n : 1);
	r_char(&w, ' ');
	r_field(&w, m->hostname, FRAMING_HOSTNAME_MAX);
	r_char(&w, ' ');
	r_field(&w, m->app_name, FRAMING_APPNAME_MAX);
	r_char(&w, ' ');
	r_field(&w, m->procid, FRAMING_PROCID_MAX);
	r_char(&w, ' ');
	r_field(&w, m->msgid, FRAMING_MSGID_MAX);
	r_char(&w, ' ');
	if (m->sd && m->sd_len && framing_sd_valid(m->sd, m->sd_len))
		r_mem(&w, m->sd, m->sd_len);
	else
		r_char(&w, '-');
	if (m->msg_len > 0)
		r_char(&w, ' ');
	return r_msg(&w, m->msg, m->msg_len, truncated);
}

bool framing_program_is(const char *s, size_t len, const char *name, size_t *at)
{
	size_t i = 0, n = name ? strlen(name) : 0;
	unsigned char c;

	while (i < len && s[i] == ' ')
		i++;
	if (at)
		*at = i;
	if (n == 0 || len - i < n || strncasecmp(s + i, name, n) != 0)
		return false;
	if (i + n == len)
		return true;
	c = (unsigned char)s[i + n];
	return c <= ' ' || c >= 127 || c == ':' || c == '[' || c == '/';
}

size_t framing_relay_controls(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += (unsigned char)s[i] < 32;
	return n;
}

size_t framing_relay_escape(char *dst, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 32) {
			dst[o++] = (char)c;
			continue;
		}
		dst[o++] = '#';
		dst[o++] = (char)('0' + (c >> 6));
		dst[o++] = (char)('0' + ((c >> 3) & 7));
		dst[o++] = (char)('0' + (c & 7));
	}
	return o;
}

/* RFC 5424 section 6.3.2: SD-NAME = 1*32PRINTUSASCII except '=', SP, ']', '"'. Returns the
 * length of the name at s, 0 when there is none or it is too long. */
static size_t sd_name(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] > 32 && s[i] < 127 && s[i] != '=' && s[i] != ']' && s[i] != '"')
		i++;
	return i <= FRAMING_SDNAME_MAX ? i : 0;
}

/* PARAM-VALUE up to its closing quote; returns the bytes taken including it, 0 when the value
 * does not end, holds an unescaped ']', or a control byte (which a receiver's file must not
 * get raw, and which would need escaping that SD has no syntax for). */
static size_t sd_value(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 32)
			return 0;
		if (s[i] == '\\' && i + 1 < len &&
			(s[i + 1] == '"' || s[i + 1] == '\\' || s[i + 1] == ']'))
			i++;
		else if (s[i] == '"')
			return i + 1;
		else if (s[i] == ']')
			return 0;
	}
	return 0;
}

/* One SD-ELEMENT at s; returns its length, 0 when it is malformed. */
static size_t sd_element(const char *s, size_t len)
{
	size_t i = 1, n;

	if (len < 3 || s[0] != '[')
		return 0;
	n = sd_name(s + i, len - i);
	if (n == 0)
		return 0;
	for (i += n; i < len && s[i] == ' ';) {
		i++;
		n = sd_name(s + i, len - i);
		if (n == 0 || i + n + 1 >= len || s[i + n] != '=' || s[i + n + 1] != '"')
			return 0;
		i += n + 2;
		n = sd_value(s + i, len - i);
		if (n == 0)
			return 0;
		i += n;
	}
	return i < len && s[i] == ']' ? i + 1 : 0;
}

bool framing_sd_valid(const char *sd, size_t len)
{
	size_t i = 0, n;

	if (len == 0)
		return false;
	while (i < len) {
		n = sd_element(sd + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}
