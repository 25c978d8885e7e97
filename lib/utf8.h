/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 (RFC 3629) for text that must stay valid when it is cut or shipped as JSON: the length
 * of one character, where a cut may fall, and the repair of bytes that start no character.
 *
 * libc only; no allocation except in utf8_repair_dup. Lengths are bytes; no function writes a
 * terminating NUL unless it says so.
 */
#ifndef PROCSHIP_LIB_UTF8_H
#define PROCSHIP_LIB_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* U+FFFD REPLACEMENT CHARACTER, what every byte that starts no valid sequence becomes. */
#define UTF8_REPLACEMENT     "\xef\xbf\xbd"
#define UTF8_REPLACEMENT_LEN 3

/* utf8_invalid / utf8_repair flag: NUL is replaced too. It ends C strings downstream
 * (liblognorm, rsyslog properties), so text headed there must not hold one. */
#define UTF8_NUL 0x1u

/* Length of the valid UTF-8 sequence at s[0..len) (RFC 3629: no overlongs, no surrogates,
 * nothing past U+10FFFF), or 0 when s does not start one (or len is 0). NUL is a character
 * here (length 1). */
size_t utf8_seq(const unsigned char *s, size_t len);

/* The length of the character at u[0..len) (len > 0) as utf8_repair keeps it, 0 for a byte it
 * replaces. Inline: ASCII is most of any text, and costs no call this way. */
static inline size_t utf8_keep(const unsigned char *u, size_t len, unsigned int flags)
{
	if (u[0] < 0x80)
		return u[0] || !(flags & UTF8_NUL) ? 1 : 0;
	return utf8_seq(u, len);
}

/* The longest prefix of s[0..len) that ends on a UTF-8 character boundary and is <= max. A
 * stray continuation byte in invalid input is no character to keep whole: only a sequence
 * that really reaches past max is dropped. */
size_t utf8_cut(const char *s, size_t len, size_t max);

/* The length of s[0..len) without a trailing incomplete sequence: for input that someone
 * already cut, whose half character is dropped rather than replaced. Only a lead byte that a
 * complete sequence could follow (0xc2..0xf4) counts as the start of one. */
size_t utf8_trim_partial(const char *s, size_t len);

/* How many bytes of s[0..len) utf8_repair replaces: those that start no valid sequence (and
 * NUL with UTF8_NUL). 0 means the text is valid as it is. */
size_t utf8_invalid(const char *s, size_t len, unsigned int flags);

/* Copy s[0..len) to dst with each byte utf8_invalid counts replaced by U+FFFD. dst has room
 * for len + 2 * utf8_invalid(s, len, flags) bytes (3 * len always does); no NUL is written.
 * Returns the length written; *replaced (may be NULL) says whether anything was. */
size_t utf8_repair(char *dst, const char *s, size_t len, unsigned int flags, bool *replaced);

/* Copy s[0..len) to dst with each run of consecutive bytes that start no valid sequence
 * replaced by one U+FFFD, as Go's strings.ToValidUTF8 does (what Tetragon applies to paths and
 * arguments). NUL is kept. dst has room for len + 2 * utf8_invalid(s, len, 0) bytes; no NUL is
 * written. Returns the length written. */
size_t utf8_repair_runs(char *dst, const char *s, size_t len);

/* The C string s repaired by utf8_repair_runs, in a malloc'd NUL-terminated copy; NULL when s
 * is valid already (nothing to copy; errno untouched) or on ENOMEM (errno set). */
char *utf8_repair_dup(const char *s);

#endif
