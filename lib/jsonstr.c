/* SPDX-License-Identifier: Apache-2.0 */
/* JSON strings, written and unescaped as libfastjson does it. */
#include "lib/jsonstr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lib/utf8.h"

size_t jsonstr_escape(char *d, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	static const char short_esc[32] = {
		['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};

	d[0] = '\\';
	if (c == '"' || c == '\\') {
		d[1] = (char)c;
		return 2;
	}
	if (c < 32 && short_esc[c]) {
		d[1] = short_esc[c];
		return 2;
	}
	memcpy(d + 1, "u00", 3);
	d[4] = hex[(c >> 4) & 15];
	d[5] = hex[c & 15];
	return 6;
}

typedef signed char jsonstr_v16 __attribute__((vector_size(16)));

/* The bytes of v that a JSON string cannot carry as they are, as all-ones lanes. As signed
 * bytes, control characters and non-ASCII bytes are exactly those below 0x20. */
static inline jsonstr_v16 special(jsonstr_v16 v)
{
	return (v < 0x20) | (v == '"') | (v == '\\');
}

static inline bool any_lane(jsonstr_v16 v)
{
	uint64_t w[2];

	memcpy(w, &v, sizeof(w));
	return (w[0] | w[1]) != 0;
}

/* How many bytes from u on are printable ASCII but a quote or a backslash (copied as they
 * are whatever the mode): arguments of many KiB are mostly that, and writing them byte by
 * byte dominated procship's CPU in a storm of long command lines (FINDINGS 27). 64 bytes are
 * tested per step, one test for four vectors (FINDINGS 36), then 16, then one at a time. */
static size_t plain_run(const unsigned char *u, size_t len)
{
	size_t i = 0;

	while (len - i >= 64) {
		jsonstr_v16 v[4];

		memcpy(v, u + i, sizeof(v));
		if (any_lane(special(v[0]) | special(v[1]) | special(v[2]) | special(v[3])))
			break;
		i += 64;
	}
	while (len - i >= 16) {
		jsonstr_v16 v;

		memcpy(&v, u + i, sizeof(v));
		if (any_lane(special(v)))
			break;
		i += 16;
	}
	while (i < len && u[i] >= 0x20 && u[i] < 0x80 && u[i] != '"' && u[i] != '\\')
		i++;
	return i;
}

/* Each byte as it is, but a quote, a backslash and the control characters: what libfastjson
 * writes, less the "\/" escapes every caller takes out of its text anyway. */
static size_t put_valid(char *d, const unsigned char *u, size_t len)
{
	size_t i = 0, o = 0, n;

	while (i < len) {
		n = plain_run(u + i, len - i);
		memcpy(d + o, u + i, n);
		o += n;
		i += n;
		if (i >= len)
			break;
		if (u[i] >= 0x20 && u[i] != '"' && u[i] != '\\')
			d[o++] = (char)u[i];
		else
			o += jsonstr_escape(d + o, u[i]);
		i++;
	}
	return o;
}

/* RFC 8259 section 7: '"', '\' and control characters escaped; U+FFFD for what utf8_keep
 * refuses (a NUL, a byte that starts no valid sequence). */
static size_t put_repaired(char *d, const unsigned char *u, size_t len)
{
	size_t i = 0, o = 0, n;

	while (i < len) {
		unsigned char c;

		n = plain_run(u + i, len - i);
		memcpy(d + o, u + i, n);
		o += n;
		i += n;
		if (i >= len)
			break;
		c = u[i];
		if (c == '"' || c == '\\' || (c < 0x20 && c != 0)) {
			o += jsonstr_escape(d + o, c);
			i++;
			continue;
		}
		n = utf8_keep(u + i, len - i, UTF8_NUL);
		if (n == 0) {
			memcpy(d + o, UTF8_REPLACEMENT, UTF8_REPLACEMENT_LEN);
			o += UTF8_REPLACEMENT_LEN;
			i++;
			continue;
		}
		memcpy(d + o, u + i, n);
		o += n;
		i += n;
	}
	return o;
}

size_t jsonstr_put(char *d, const char *s, size_t len, unsigned int flags)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;

	d[o++] = '"';
	if (flags & JSONSTR_REPAIR)
		o += put_repaired(d + o, u, len);
	else
		o += put_valid(d + o, u, len);
	d[o++] = '"';
	return o;
}

int jsonstr_unescape_slashes(char *dst, size_t size, const char *src, size_t len)
{
	size_t i = 0, o = 0, run, k;
	const char *bs;

	/* Runs between backslashes go in one copy: arguments of many KiB have few escapes. */
	while (i < len) {
		bs = memchr(src + i, '\\', len - i);
		run = bs ? (size_t)(bs - src) - i : len - i;
		if (o + run >= size)
			return -ENOSPC;
		memcpy(dst + o, src + i, run);
		o += run;
		i += run;
		if (i >= len)
			break;
		/* a pair: "\/" becomes "/", any other keeps its backslash; a last lone one stays */
		k = i + 1 < len && src[i + 1] == '/' ? 1 : i + 1 < len ? 2 : 1;
		if (o + k >= size)
			return -ENOSPC;
		if (k == 2 || i + 1 >= len)
			dst[o++] = '\\';
		if (i + 1 < len)
			dst[o++] = src[i + 1];
		i += 2;
	}
	if (o >= size)
		return -ENOSPC;
	dst[o] = '\0';
	return (int)o;
}
