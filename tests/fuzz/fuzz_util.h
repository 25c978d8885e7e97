/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the fuzz targets: a check that survives -DNDEBUG, and a switch for
 * findings already reported, so that a long run can look past them until they are fixed.
 *
 * FUZZ_KNOWN is a comma-separated list of finding names (see tests/fuzz/README.md); a check
 * written as KNOWN_CHECK("name", cond) is skipped while its name is listed. Nothing in the
 * Makefile sets it: an unfixed finding fails `make fuzz` until someone fixes it or opts out.
 */
#ifndef PROCSHIP_FUZZ_UTIL_H
#define PROCSHIP_FUZZ_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* abort() rather than assert(): the check must stay in a -DNDEBUG build. The message names
 * the line, so a crash report says which property broke. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__,        \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static inline bool fuzz_known(const char *name)
{
	const char *list = getenv("FUZZ_KNOWN"), *p;
	size_t n = strlen(name);

	for (p = list; p && *p; p += strcspn(p, ","), p += *p == ',') {
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

#define KNOWN_CHECK(name, cond)                                                                    \
	do {                                                                                       \
		if (!(cond) && !fuzz_known(name)) {                                                \
			fprintf(stderr, "%s:%d: property failed (%s): %s\n", __FILE__, __LINE__,   \
				name, #cond);                                                      \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The length of the valid UTF-8 prefix of s[0..len): RFC 3629 section 4 (no overlongs, no
 * surrogates, nothing past U+10FFFF). Written here rather than taken from the module under
 * test, so the two can disagree. */
static inline size_t fuzz_utf8_valid_prefix(const unsigned char *s, size_t len)
{
	size_t i = 0, k, n;

	while (i < len) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
		if (n == 0 || c > 0xf4 || i + n > len)
			return i;
		for (k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
		if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f) ||
			(c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] > 0x8f))
			return i;
		i += n;
	}
	return i;
}

#endif
