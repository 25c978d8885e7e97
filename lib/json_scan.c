/* SPDX-License-Identifier: Apache-2.0 */
/* A validating JSON scanner: is this text one JSON object, so that it may pass through as it
 * is? */
#include "lib/json_scan.h"

#include <stdint.h>
#include <string.h>

#include "lib/utf8.h"

/* RFC 8259 grammar, strings checked for UTF-8, depth bounded; no allocation, so a pre-encoded
 * JSON line costs one pass over its bytes. */
struct jscan {
	const unsigned char *p;
	const unsigned char *end;
	int depth;
};

static void js_ws(struct jscan *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool js_value(struct jscan *j);

/* Skip the bytes that need no closer look inside a JSON string (anything but a quote, a
 * backslash, a control character or a non-ASCII byte), 64 at a time; the caller handles the
 * block that holds one, and the tail. Long arguments make this the hot spot of the
 * pass-through path: with GCC's generic vectors (SSE2 or NEON compares, AVX2 where the CPU
 * has it) the scan of 9 KB lines fell from a quarter of procship's CPU to under a tenth,
 * from an eight-byte SWAR test. As signed bytes, control characters and non-ASCII bytes are
 * exactly those below 0x20. A macro: a 32-byte vector may not cross a call without AVX. */
#define JS_SPECIAL(v) (((v) < 0x20) | ((v) == '"') | ((v) == '\\'))

typedef signed char js_v16 __attribute__((vector_size(16)));

/* How many of the 16 bytes at p need no closer look, up to the first that does. Each byte
 * of the compare is 0x00 or 0xff, so on a little-endian machine the lowest set bit says
 * where the first special byte is; elsewhere any special byte sends the caller byte by
 * byte from p. */
static inline size_t js_plain16(const unsigned char *p)
{
	js_v16 a;
	uint64_t w[2];

	memcpy(&a, p, sizeof(a));
	a = JS_SPECIAL(a);
	memcpy(w, &a, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (w[0])
		return (size_t)__builtin_ctzll(w[0]) / 8;
	if (w[1])
		return 8 + (size_t)__builtin_ctzll(w[1]) / 8;
	return 16;
#else
	return (w[0] | w[1]) ? 0 : 16;
#endif
}

static const unsigned char *js_skip_plain16(const unsigned char *p, const unsigned char *end)
{
	while (end - p >= 64) {
		js_v16 a, b, c, d;
		uint64_t w[2];

		memcpy(&a, p, sizeof(a));
		memcpy(&b, p + 16, sizeof(b));
		memcpy(&c, p + 32, sizeof(c));
		memcpy(&d, p + 48, sizeof(d));
		a = JS_SPECIAL(a) | JS_SPECIAL(b) | JS_SPECIAL(c) | JS_SPECIAL(d);
		memcpy(w, &a, sizeof(w));
		if (w[0] | w[1])
			break;
		p += 64;
	}
	return p;
}

#if defined(__x86_64__) && defined(__GNUC__)
typedef signed char js_v32 __attribute__((vector_size(32)));

__attribute__((target("avx2"))) static const unsigned char *js_skip_plain32(
	const unsigned char *p, const unsigned char *end)
{
	while (end - p >= 64) {
		js_v32 a, b;
		uint64_t w[4];

		memcpy(&a, p, sizeof(a));
		memcpy(&b, p + 32, sizeof(b));
		a = JS_SPECIAL(a) | JS_SPECIAL(b);
		memcpy(w, &a, sizeof(w));
		if (w[0] | w[1] | w[2] | w[3])
			break;
		p += 64;
	}
	return p;
}
#endif

static const unsigned char *js_skip_plain(const unsigned char *p, const unsigned char *end)
{
#if defined(__x86_64__) && defined(__GNUC__)
	static int avx2 = -1;

	if (avx2 < 0)
		avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
	if (avx2)
		return js_skip_plain32(p, end);
#endif
	return js_skip_plain16(p, end);
}

static bool js_string(struct jscan *j)
{
	j->p++; /* the opening quote */
	while (j->p < j->end) {
		unsigned char c;
		size_t n;

		/* Sixteen bytes inline first: most strings (keys, short values) end within
		 * them, and calling the long skip for each cost a sixth of the CPU at 200 B. */
		while (j->end - j->p >= 16) {
			size_t k = js_plain16(j->p);

			j->p += k;
			if (k < 16)
				break;
			if (j->end - j->p >= 64)
				j->p = js_skip_plain(j->p, j->end);
		}
		if (j->p >= j->end)
			break;
		c = *j->p;

		if (c == '"') {
			j->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			int k;

			if (++j->p >= j->end)
				return false;
			switch (*j->p) {
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				j->p++;
				continue;
			case 'u':
				for (k = 1; k <= 4; k++)
					if (j->p + k >= j->end ||
						!strchr("0123456789abcdefABCDEF", j->p[k]) ||
						j->p[k] == 0)
						return false;
				j->p += 5;
				continue;
			default:
				return false;
			}
		}
		/* Plain ASCII is most of any line: no call per byte for it. */
		if (c < 0x80) {
			j->p++;
			continue;
		}
		n = utf8_seq(j->p, (size_t)(j->end - j->p));
		if (n == 0)
			return false;
		j->p += n;
	}
	return false;
}

static bool js_digits(struct jscan *j)
{
	const unsigned char *start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start;
}

static bool js_number(struct jscan *j)
{
	if (*j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!js_digits(j))
		return false;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!js_digits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!js_digits(j))
			return false;
	}
	return true;
}

static bool js_word(struct jscan *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
		return false;
	j->p += n;
	return true;
}

static bool js_container(struct jscan *j, unsigned char close)
{
	if (++j->depth > 64)
		return false;
	j->p++;
	js_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return true;
	}
	for (;;) {
		js_ws(j);
		if (close == '}') {
			if (j->p >= j->end || *j->p != '"' || !js_string(j))
				return false;
			js_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return false;
			j->p++;
			js_ws(j);
		}
		if (!js_value(j))
			return false;
		js_ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p != close)
			return false;
		j->p++;
		j->depth--;
		return true;
	}
}

static bool js_value(struct jscan *j)
{
	if (j->p >= j->end)
		return false;
	switch (*j->p) {
	case '{':
		return js_container(j, '}');
	case '[':
		return js_container(j, ']');
	case '"':
		return js_string(j);
	case 't':
		return js_word(j, "true");
	case 'f':
		return js_word(j, "false");
	case 'n':
		return js_word(j, "null");
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return js_number(j);
		return false;
	}
}

bool json_scan_object(const char *s, size_t len)
{
	struct jscan j = {(const unsigned char *)s, (const unsigned char *)s + len, 0};

	js_ws(&j);
	if (j.p >= j.end || *j.p != '{' || !js_value(&j))
		return false;
	js_ws(&j);
	return j.p == j.end;
}
