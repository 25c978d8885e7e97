/* SPDX-License-Identifier: Apache-2.0 */
/* The compact line, put together the way tetra's encoder formats it. */
#include "shipper/getevents/compact.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fmt.h"
#include "lib/strbuf.h"
#include "lib/utf8.h"

/* fatih/color's foreground attributes, and its reset. */
enum { RED = 31, GREEN = 32, BLUE = 34, MAGENTA = 35, CYAN = 36 };
#define RESET "\x1b[0m"

/* The compact encoder's column for the capabilities trailer (capsPad). */
#define CAPS_PAD 120

void gev_line_free(struct gev_line *l)
{
	if (!l)
		return;
	free(l->buf);
	l->buf = NULL;
	l->len = l->cap = 0;
}

static int put(struct gev_line *l, const char *s, size_t n)
{
	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 256;
		char *p;

		while (cap < l->len + n + 1)
			cap *= 2;
		p = realloc(l->buf, cap);
		if (!p)
			return -ENOMEM;
		l->buf = p;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
	return 0;
}

static int puts_(struct gev_line *l, const char *s)
{
	return put(l, s, strlen(s));
}

/* Whether the v1.7.0 form of s would break the line or reach the terminal as a control. */
static bool needs_quote(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;

	while (i < len) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return true;
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq(u + i, len - i);
		if (n == 0 || (n == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0))
			return true;
		i += n;
	}
	return false;
}

/* Go's strconv.Quote for the characters needs_quote looks for; the rest is kept. */
static int put_quoted(struct gev_line *l, const char *s)
{
	static const char esc[] = "abtnvfr"; /* \a (7) to \r (13) */
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;
	char tmp[8];
	int rc = put(l, "\"", 1);

	while (rc == 0 && i < len) {
		n = u[i] < 0x80 ? 1 : utf8_seq(u + i, len - i);
		if (u[i] == '"' || u[i] == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)u[i];
			rc = put(l, tmp, 2);
		} else if (u[i] >= 7 && u[i] <= 13) {
			tmp[0] = '\\';
			tmp[1] = esc[u[i] - 7];
			rc = put(l, tmp, 2);
		} else if (u[i] < 0x20 || u[i] == 0x7f || n == 0) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", u[i]);
			rc = put(l, tmp, 4);
			n = 1;
		} else if (n == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", u[i + 1]);
			rc = put(l, tmp, 6);
		} else {
			rc = put(l, s + i, n);
		}
		i += n;
	}
	return rc ? rc : put(l, "\"", 1);
}

int gev_put_text(struct gev_line *l, const char *s)
{
	return needs_quote(s) ? put_quoted(l, s) : puts_(l, s);
}

static int color_on(struct gev_line *l, const struct gev_style *st, int attr)
{
	char seq[8];

	if (!st->color)
		return 0;
	snprintf(seq, sizeof(seq), "\x1b[%dm", attr);
	return puts_(l, seq);
}

static int color_off(struct gev_line *l, const struct gev_style *st)
{
	return st->color ? puts_(l, RESET) : 0;
}

/* c.Sprint(s) of one colour, a document's string. */
static int colored(struct gev_line *l, const struct gev_style *st, int attr, const char *s)
{
	if (color_on(l, st, attr) < 0 || gev_put_text(l, s) < 0)
		return -ENOMEM;
	return color_off(l, st);
}

/* ProcessInfo(): the node (or the pod's namespace/name) and the binary. */
static int process_info(struct gev_line *l, const struct gev_style *st, const struct gev_doc *d)
{
	const struct gev_proc *p = &d->process;

	if (p->has_pod) {
		if (color_on(l, st, GREEN) < 0 || gev_put_text(l, p->pod_namespace) < 0 ||
			puts_(l, "/") < 0 || gev_put_text(l, p->pod_name) < 0 ||
			color_off(l, st) < 0)
			return -ENOMEM;
	} else if (colored(l, st, GREEN, d->node_name) < 0) {
		return -ENOMEM;
	}
	if (puts_(l, " ") < 0)
		return -ENOMEM;
	return colored(l, st, MAGENTA, p->binary);
}

/* CapTrailorPrinter(str, caps). processCaps() ranges over the effective list's indexes, not
 * its values, so it names CAP_SYS_ADMIN (21) exactly when the list has 22 entries or more;
 * and a coloured empty trailer is no empty string, so coloured lines are always padded.
 * The padding counts the line's bytes and the trailer's characters, as Go's len and %*s do. */
static int caps_trailer(
	struct gev_line *l, const struct gev_style *st, const struct gev_doc *d, size_t start)
{
	static const char caps[] = "\xf0\x9f\x9b\x91 CAP_SYS_ADMIN"; /* 15 characters */
	bool named = d->process.cap_effective > 21;
	size_t runes = (named ? 15 : 0) + (st->color ? 9 : 0), len = l->len - start, pad;

	if (runes == 0)
		return 0;
	pad = len < CAPS_PAD ? CAPS_PAD - len : 0;
	if (puts_(l, " ") < 0)
		return -ENOMEM;
	for (; pad > runes; pad--)
		if (puts_(l, " ") < 0)
			return -ENOMEM;
	if (color_on(l, st, MAGENTA) < 0 || (named && puts_(l, caps) < 0))
		return -ENOMEM;
	return color_off(l, st);
}

static int event_line(struct gev_line *l, const struct gev_style *st, const struct gev_doc *d)
{
	bool is_exit = d->kind == GEV_EXIT;
	char status[24];

	if (color_on(l, st, BLUE) < 0 ||
		puts_(l, is_exit ? "\xf0\x9f\x92\xa5 exit   " : "\xf0\x9f\x9a\x80 process") < 0 ||
		color_off(l, st) < 0 || puts_(l, " ") < 0 || process_info(l, st, d) < 0 ||
		puts_(l, " ") < 0 || colored(l, st, CYAN, d->process.arguments) < 0)
		return -ENOMEM;
	if (!is_exit)
		return 0;
	snprintf(status, sizeof(status), "%" PRIu64, d->status);
	if (puts_(l, " ") < 0 || colored(l, st, RED, d->signal[0] ? d->signal : status) < 0)
		return -ENOMEM;
	return 0;
}

int gev_compact(const struct gev_doc *d, const struct gev_style *st, struct gev_line *l, char *err,
	size_t errlen)
{
	size_t start;

	l->len = 0;
	if (d->kind != GEV_EXEC && d->kind != GEV_EXIT) {
		strbuf_printf(err, errlen, "%s has no compact form",
			d->key ? d->key : "a document without an event");
		return -ENOTSUP;
	}
	if (!d->process.present) {
		strbuf_printf(err, errlen, "%s: process field is not set", d->key);
		return -ENOTSUP;
	}
	if (put(l, "", 0) < 0)
		return -ENOMEM;
	if (st->timestamps) {
		char ts[48];
		size_t n = fmt_rfc3339(ts, sizeof(ts), &d->time, 9);

		if (put(l, ts, n) < 0 || puts_(l, " ") < 0)
			return -ENOMEM;
	}
	start = l->len;
	if (event_line(l, st, d) < 0 || caps_trailer(l, st, d, start) < 0)
		return -ENOMEM;
	return 0;
}
