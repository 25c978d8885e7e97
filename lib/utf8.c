/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 primitives: one definition of a valid sequence (RFC 3629) for every module that cuts,
 * checks or repairs text. */
#include "lib/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c;
	size_t need, i;
	uint32_t cp;

	if (len == 0)
		return 0;
	c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		(need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return need;
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t lead, need;

	if (len <= max)
		return len;
	/* A cut at max splits a character only when u[max] continues one (10xxxxxx). Walk back
	 * to the lead byte, at most 3 bytes (RFC 3629 section 3: sequences are 1 to 4 bytes). */
	lead = max;
	while (lead > 0 && max - lead < 3 && (u[lead] & 0xc0) == 0x80)
		lead--;
	if ((u[lead] & 0xe0) == 0xc0)
		need = 2;
	else if ((u[lead] & 0xf0) == 0xe0)
		need = 3;
	else if ((u[lead] & 0xf8) == 0xf0)
		need = 4;
	else
		need = 1;
	if (lead < max && lead + need > max)
		return lead;
	return max;
}

size_t utf8_trim_partial(const char *s, size_t len)
{
	size_t i, back = len > 3 ? 3 : len;

	for (i = 1; i <= back; i++) {
		unsigned char c = (unsigned char)s[len - i];
		size_t need;

		if ((c & 0xc0) == 0x80)
			continue;
		need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (need > i && utf8_seq((const unsigned char *)s + len - i, i) == 0) {
			if (c >= 0xc2 && c <= 0xf4)
				return len - i;
		}
		break;
	}
	return len;
}

typedef signed char utf8_v16 __attribute__((vector_size(16)));

static inline bool utf8_any_lane(utf8_v16 v)
{
	uint64_t w[2];

	memcpy(w, &v, sizeof(w));
	return (w[0] | w[1]) != 0;
}

/* Bytes 0x01..0x7f from u on, 64 and then 16 at a time: valid whatever the flags say about
 * NUL, and most of what long command lines hold. */
static size_t ascii_run(const unsigned char *u, size_t len)
{
	size_t i = 0;

	while (len - i >= 64) {
		utf8_v16 v[4];

		memcpy(v, u + i, sizeof(v));
		if (utf8_any_lane((v[0] <= 0) | (v[1] <= 0) | (v[2] <= 0) | (v[3] <= 0)))
			break;
		i += 64;
	}
	while (len - i >= 16) {
		utf8_v16 v;

		memcpy(&v, u + i, sizeof(v));
		if (utf8_any_lane(v <= 0))
			break;
		i += 16;
	}
	return i;
}

size_t utf8_invalid(const char *s, size_t len, unsigned int flags)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, bad = 0, n;

	while (i < len) {
		i += ascii_run(u + i, len - i);
		if (i >= len)
			break;
		n = utf8_keep(u + i, len - i, flags);
		if (n == 0) {
			bad++;
			n = 1;
		}
		i += n;
	}
	return bad;
}

size_t utf8_repair(char *dst, const char *s, size_t len, unsigned int flags, bool *replaced)
{
	const unsigned char *u = (const unsigned char *)s;
	bool any = false;
	size_t i = 0, o = 0, n;

	while (i < len) {
		n = utf8_keep(u + i, len - i, flags);
		if (n == 0) {
			memcpy(dst + o, UTF8_REPLACEMENT, UTF8_REPLACEMENT_LEN);
			o += UTF8_REPLACEMENT_LEN;
			i++;
			any = true;
			continue;
		}
		memcpy(dst + o, s + i, n);
		o += n;
		i += n;
	}
	if (replaced)
		*replaced = any;
	return o;
}

size_t utf8_repair_runs(char *dst, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	bool in_run = false;
	size_t i = 0, o = 0, n;

	while (i < len) {
		n = utf8_keep(u + i, len - i, 0);
		if (n == 0) {
			if (!in_run) {
				memcpy(dst + o, UTF8_REPLACEMENT, UTF8_REPLACEMENT_LEN);
				o += UTF8_REPLACEMENT_LEN;
			}
			in_run = true;
			i++;
			continue;
		}
		in_run = false;
		memcpy(dst + o, s + i, n);
		o += n;
		i += n;
	}
	return o;
}

char *utf8_repair_dup(const char *s)
{
	size_t len = strlen(s), bad = utf8_invalid(s, len, 0), n;
	char *out;

	if (bad == 0)
		return NULL;
	/* At worst each bad byte is a run of its own and grows to the three bytes of U+FFFD. */
	out = malloc(len + 2 * bad + 1);
	if (!out)
		return NULL;
	n = utf8_repair_runs(out, s, len);
	out[n] = '\0';
	return out;
}
