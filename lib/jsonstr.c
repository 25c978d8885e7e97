/* SPDX-License-Identifier: Apache-2.0 */
/* JSON strings, written and unescaped as libfastjson does it. */
#include "lib/jsonstr.h"

#include <errno.h>
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

/* Each byte as it is, but a quote, a backslash and the control characters: what libfastjson
 * writes, less the "\/" escapes every caller takes out of its text anyway. */
static size_t put_valid(char *d, const unsigned char *u, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (u[i] >= 0x20 && u[i] != '"' && u[i] != '\\')
			d[o++] = (char)u[i];
		else
			o += jsonstr_escape(d + o, u[i]);
	}
	return o;
}

/* RFC 8259 section 7: '"', '\' and control characters escaped; U+FFFD for what utf8_keep
 * refuses (a NUL, a byte that starts no valid sequence). */
static size_t put_repaired(char *d, const unsigned char *u, size_t len)
{
	size_t i = 0, o = 0, n;

	while (i < len) {
		unsigned char c = u[i];

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			d[o++] = (char)c;
			i++;
			continue;
		}
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
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (o + 1 >= size)
			return -ENOSPC;
		if (src[i] == '\\' && i + 1 < len) {
			if (src[i + 1] != '/')
				dst[o++] = src[i];
			if (o + 1 >= size)
				return -ENOSPC;
			dst[o++] = src[++i];
			continue;
		}
		dst[o++] = src[i];
	}
	if (o >= size)
		return -ENOSPC;
	dst[o] = '\0';
	return (int)o;
}
